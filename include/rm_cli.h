/* rm_cli.h - the subcommands behind main(): each parses its own arguments and returns the exit status. */
#ifndef RM_CLI_H
#define RM_CLI_H

/* `regmnist [train] --config FILE ...` and `regmnist --resume RUN_DIR ...` (argv[0] is the command). */
int rm_cli_train(int argc, char **argv);

/* `regmnist eval RUN_DIR [--split test|val|train] [--set data.key=JSON]... [--out DIR]`. */
int rm_cli_eval(int argc, char **argv);

/* `regmnist sweep SPEC [--list | --count | --task-id N | --jobs N]`. */
int rm_cli_sweep(int argc, char **argv);

/* `regmnist summarize DIR... [--format md|csv] [--out DIR] [--metric LIST] [--quiet]`. */
int rm_cli_summarize(int argc, char **argv);

/* `regmnist compare A B | --a SEL... --b SEL... [--metric NAME] [--which final|best]`. */
int rm_cli_compare(int argc, char **argv);

/* `regmnist plot sweep|curves DIR ...`: figures of runs drawn by gnuplot. */
int rm_cli_plot(int argc, char **argv);

/* `regmnist report DIR [--out FILE] [--metric LIST] [--baseline FILTER] [--no-figures]`: an HTML page of a study. */
int rm_cli_report(int argc, char **argv);

/* The top-level usage lines, shared by the subcommands' --help and errors. */
extern const char rm_cli_usage[];

#endif
