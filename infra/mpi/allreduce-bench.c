/* Open MPI's own all-reduce figure, for comparison with `training collective-bench`: MPI_Allreduce (sum, float,
   in place) straight from C, same sizes, same timing rule (3 warm-up calls, then ~SECONDS per size). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    double seconds = argc > 1 ? atof(argv[1]) : 0.5;
    long sizes[] = {4096, 65536, 1 << 20, 16 << 20, 64 << 20};
    if (rank == 0) printf("%12s %6s %12s %11s %11s\n", "size", "calls", "time/call", "algbw GB/s", "busbw GB/s");
    for (int s = 0; s < 5; s++)
    {
        long n = sizes[s] / 4;
        float *buffer = malloc(n * sizeof(float));
        for (long i = 0; i < n; i++) buffer[i] = 1.0f;
        for (int i = 0; i < 3; i++) MPI_Allreduce(MPI_IN_PLACE, buffer, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, buffer, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        long calls = (long)(seconds / (MPI_Wtime() - t0 + 1e-7));
        calls = calls < 3 ? 3 : calls > 2000 ? 2000 : calls;
        MPI_Bcast(&calls, 1, MPI_LONG, 0, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = MPI_Wtime();
        for (long i = 0; i < calls; i++) MPI_Allreduce(MPI_IN_PLACE, buffer, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double per = (MPI_Wtime() - t0) / calls, alg = sizes[s] / per / 1e9;
        if (rank == 0) printf("%12ld %6ld %9.1f us %11.3f %11.3f\n", sizes[s], calls, per * 1e6, alg, alg * 2.0 * (size - 1) / size);
        free(buffer);
    }
    MPI_Finalize();
    return 0;
}
