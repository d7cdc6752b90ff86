/* cli_common.c - the error and usage messages the subcommands share. */
#include "cli_common.h"

#include <stdarg.h>
#include <stdio.h>

int rm_cli_fail(const char *cmd, const rm_err *e)
{
    fprintf(stderr, "regmnist: %s%s%s\n", cmd ? cmd : "", cmd ? ": " : "", e->msg);
    return e->code;
}

int rm_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "regmnist: %s%s", cmd ? cmd : "", cmd ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see regmnist %s%s--help)\n", cmd ? cmd : "", cmd ? " " : "");
    va_end(ap);
    return RM_ERR_USAGE;
}
