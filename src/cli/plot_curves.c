/* plot_curves.c - `regmnist plot curves DIR --y METRIC[,...]`: metrics per epoch. */
#include "plot.h"

int plot_curves(const char *dir, const plot_opts *o, rm_err *e)
{
    (void)o;
    return rm_fail(e, RM_ERR_USAGE, "curves %s: not yet", dir);
}
