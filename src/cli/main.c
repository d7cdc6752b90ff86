/* main.c - regmnist's entry point: dispatch to a subcommand (train is the default). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rm_cli.h"

/* OpenBLAS starts its worker threads in its library constructor, before main, as many as
 * OPENBLAS_NUM_THREADS says (else one per core); regmnist never uses them (its pool calls
 * single-threaded products, see gemm.c). Each worker maps a 128 MiB buffer as it starts, and under a
 * tight address-space limit (ulimit -v) that mapping fails and OpenBLAS retries it forever, so
 * stopping the workers hung. Setting the variable here is too late for this process, so regmnist
 * sets OPENBLAS_NUM_THREADS=1 and runs itself again (once: the new process finds it set); where
 * /proc/self/exe cannot be run it goes on, and rm_blas_set_threads stops the workers as before. */
static void blas_one_thread(char **argv)
{
    const char *v = getenv("OPENBLAS_NUM_THREADS");
    if ((v && strcmp(v, "1") == 0) || setenv("OPENBLAS_NUM_THREADS", "1", 1) != 0) return;
    execv("/proc/self/exe", argv);
}

int main(int argc, char **argv)
{
    blas_one_thread(argv);
    if (argc > 1 && strcmp(argv[1], "eval") == 0) return rm_cli_eval(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "sweep") == 0) return rm_cli_sweep(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "summarize") == 0) return rm_cli_summarize(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "compare") == 0) return rm_cli_compare(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "plot") == 0) return rm_cli_plot(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "report") == 0) return rm_cli_report(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "train") == 0) return rm_cli_train(argc - 1, argv + 1);
    return rm_cli_train(argc, argv);
}
