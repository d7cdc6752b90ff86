/* main.c - regmnist's entry point: dispatch to a subcommand (train is the default). */
#include <string.h>

#include "rm_cli.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "eval") == 0) return rm_cli_eval(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "sweep") == 0) return rm_cli_sweep(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "summarize") == 0) return rm_cli_summarize(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "compare") == 0) return rm_cli_compare(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "train") == 0) return rm_cli_train(argc - 1, argv + 1);
    return rm_cli_train(argc, argv);
}
