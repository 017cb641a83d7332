// Trainers run convolutions through T2I.Core.TorchSharpFixes.OneDnnConv2d, which switches libtorch's process-wide oneDNN flag
// on around them; a native-path convolution of a test running in parallel would take oneDNN inside that window,
// where unaligned channel counts give wrong results or corrupt memory. So this assembly's tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
