// Provides std::ios_base_library_init(), which GCC 13's libstdc++ (GLIBCXX_3.4.32) exports and
// TorchSharp's native shim references. Older libstdc++ (Debian 12: 3.4.30) lacks it; libtorch's own
// translation units already construct ios_base::Init, so holding one more here is enough.
#include <ios>
namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}
