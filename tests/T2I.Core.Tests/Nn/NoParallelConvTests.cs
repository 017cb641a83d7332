// OneDnnConv2d switches libtorch's process-wide oneDNN flag on around its own convolutions; a native-path
// convolution of a test running in parallel would take oneDNN inside that window (and differ from an identical
// call outside it). Once models use OneDnnConv2d, this assembly's tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
