/* cli_common.h - the error and usage messages the subcommands share (private to src/cli). */
#ifndef RM_CLI_COMMON_H
#define RM_CLI_COMMON_H

#include "rm_common.h"

/* Print e as "regmnist: CMD: MSG" ("regmnist: MSG" when cmd is NULL) on stderr; return e's code. */
int rm_cli_fail(const char *cmd, const rm_err *e);

/* Print a usage error (printf-style) as "regmnist: CMD: MSG (see regmnist CMD --help)" ("regmnist: MSG
 * (see regmnist --help)" when cmd is NULL) on stderr; return RM_ERR_USAGE. */
int rm_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
