/* cli_plot.c - `regmnist plot sweep|curves|weights|rungs`: figures of runs drawn by gnuplot (through
 * a pipe): the arguments and the help; plot_sweep.c, plot_curves.c, plot_weights.c and plot_rungs.c
 * draw, plot_gp.c talks to gnuplot. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "plot.h"
#include "rm_cli.h"

static const char HELP[] =
    "usage: regmnist plot sweep DIR --x KEY --y METRIC[,METRIC...] [--err std|ci|sem] [OPTIONS]\n"
    "       regmnist plot curves DIR --y METRIC[,METRIC...] [OPTIONS]\n"
    "       regmnist plot weights RUN_DIR [OPTIONS]\n"
    "       regmnist plot rungs SWEEP_DIR [--metric METRIC] [OPTIONS]\n"
    "\n"
    "Draw a figure of runs with gnuplot (Debian: apt-get install gnuplot-nox), fed through a pipe.\n"
    "\n"
    "  sweep DIR    each METRIC's mean over the seeds of a setting (the runs under DIR whose\n"
    "               varied keys are equal, as `regmnist summarize` groups them: the same numbers\n"
    "               as its groups.csv) against the varied key KEY (full path or its last\n"
    "               components: dropout, l2), with error bars; one series per metric and per\n"
    "               level of the other varied keys, all on one y axis. The x axis is\n"
    "               logarithmic when every x is positive and they span more than two decades\n"
    "               or grow by a constant ratio (1e-5, 1e-4, 1e-3; 16, 32, 64, 128); the series'\n"
    "               points are shifted by about 1% of the axis so that their bars do not overlap\n"
    "  curves DIR   each METRIC per epoch (a metrics.csv column: train_eval_acc, test_loss, ...)\n"
    "               of the runs under DIR: for a setting of several seeds the mean over them with\n"
    "               a band of ± one std; each run's early-stopping best epoch (summary.json's\n"
    "               best_epoch, when it ran with early stopping) is marked with a point\n"
    "  weights RUN_DIR  the first layer's weights (model.safetensors' fc0.weight) with a colour\n"
    "               bar, blue-white-red symmetric about 0: for image inputs each unit's weights\n"
    "               as a tile (the first 64 units), else the whole matrix, a row per unit\n"
    "  rungs SWEEP_DIR  a pruned sweep's rung history (sweep.json has \"prune\": successive\n"
    "               halving): per setting (a grid point or trial, all its seeds) the mean over\n"
    "               its seeds of METRIC per epoch, from the runs' metrics.csv (an epoch where\n"
    "               every seed has a value); the settings stopped at a rung (pruned, or a run\n"
    "               failed) thin and grey with a dot where they end, those waiting at a rung\n"
    "               (not there yet, or a seed interrupted or unfinished) dotted darker grey with\n"
    "               a circle where they end, those that reached the last rung in colour, keyed\n"
    "               by their varied values; a dashed line at each rung's epochs, its tic\n"
    "               labelled \"rung K\". The x axis is logarithmic when the rungs are\n"
    "               log-spaced by sweep's rule (1, 3, 9; not 1, 3, 9, 10)\n"
    "\n"
    "  --x KEY      sweep: the config key on the x axis (one of the keys that vary)\n"
    "  --y LIST     the metrics, comma-separated (sweep: any `summarize --metric` name)\n"
    "  --metric METRIC  rungs: the metrics.csv column (default: sweep.json's prune.metric);\n"
    "               the same as --y with one metric\n"
    "  --err std|ci|sem  sweep: the error bars: ± the sample std over the seeds (default), the\n"
    "               Student-t 95% confidence interval of the mean, or ± the standard error\n"
    "  --out FILE   the image (default plot.png, plot.svg or plot.pdf by --format)\n"
    "  --format png|svg|pdf  default: FILE's extension, else png\n"
    "  --size WxH   pixels for png and svg (default 800x560), inches for pdf (default 5x3.5)\n"
    "  --title TEXT default: the study's name (sweep.json's, else the runs' shared name, else\n"
    "               DIR's last part)\n"
    "  --data DIR   also keep the data files gnuplot plotted (s0.dat, c0.dat, r0.dat, ...: a\n"
    "               `# title:`, `# metric:` (rungs: also `# status:` final, pruned, waiting or\n"
    "               the status of a failed or diverged seed, `# rung:` the last one reached,\n"
    "               `# seeds:`) and a column header line, then one row per point) and the\n"
    "               script (plot.gp) in DIR, to check a figure against its numbers or edit it\n"
    "  --yrange LO:HI  sweep, curves, rungs: the y axis from LO to HI; leave either out for\n"
    "               gnuplot's own choice (:0.6 cuts off a rung-0 spike). Default: both chosen\n"
    "               by gnuplot, at most 100 for percentages\n"
    "  --quiet      no note on stderr\n"
    "\n"
    "A pruned sweep (DIR/sweep.json has \"prune\"): sweep and curves leave training.epochs, the\n"
    "rung each run reached, out of the varied keys and draw only the settings trained to the full\n"
    "budget (those with an ok run); the key's title counts those stopped at a rung, left out\n"
    "(rungs draws them), if any.\n"
    "\n"
    "Axis and legend labels come from the config key table and the metric table (\"dropout\n"
    "rate\", \"test accuracy (%)\"). Exit status: 0 ok; 1 gnuplot failed (its error on one line);\n"
    "2 usage error, an unknown key or metric, or gnuplot not on PATH; 3 I/O error (DIR missing\n"
    "or holding no run, a file without a needed column or tensor; a DIR/sweep.json that cannot\n"
    "be read or is not a sweep's (invalid JSON, a bad prune, rungs or seeds), one line naming\n"
    "it; rungs: no sweep.json, or no value to draw yet; sweep and curves: a pruned sweep with no\n"
    "setting at the full budget yet). rungs refuses a sweep without \"prune\" with exit 2, sweep\n"
    "a pruned sweep's --x training.epochs too.\n";

/* The format from --format, else from the --out file's extension, else png; and the default size. */
static int pick_format(plot_opts *o, const char *format, const char *size)
{
    const char *dot = o->out ? strrchr(o->out, '.') : NULL;
    o->format = format ? format : dot && (!strcmp(dot, ".svg") || !strcmp(dot, ".pdf")) ? dot + 1 : "png";
    if (strcmp(o->format, "png") && strcmp(o->format, "svg") && strcmp(o->format, "pdf"))
        return rm_cli_usage_error("plot", "--format: expected png, svg or pdf, got '%s'", o->format);
    int pdf = !strcmp(o->format, "pdf");
    o->width = pdf ? 5 : 800, o->height = pdf ? 3.5 : 560;
    if (size) {
        char *end;
        o->width = strtod(size, &end);
        o->height = *end == 'x' ? strtod(end + 1, &end) : 0;
        if (*end || !(o->width > 0 && o->width < 1e5 && o->height > 0 && o->height < 1e5))
            return rm_cli_usage_error("plot", "--size: expected WIDTHxHEIGHT (two positive numbers), got '%s'", size);
    }
    return RM_OK;
}

/* --yrange LO:HI into o: each side a finite number or empty (gnuplot's own choice), LO < HI; 0 when valid. */
static int parse_yrange(plot_opts *o, const char *v)
{
    const char *colon = strchr(v, ':');
    if (!colon || strchr(colon + 1, ':') || (colon == v && !colon[1])) return -1; /* ":" alone sets nothing */
    char *end;
    o->has_ylo = colon > v, o->has_yhi = colon[1] != '\0';
    if (o->has_ylo && (o->ylo = strtod(v, &end), end != colon || !isfinite(o->ylo))) return -1;
    if (o->has_yhi && (o->yhi = strtod(colon + 1, &end), *end || !isfinite(o->yhi))) return -1;
    return o->has_ylo && o->has_yhi && !(o->ylo < o->yhi) ? -1 : 0;
}

/* One option with a value; 1 when a was one, -1 (after the message) when its value is bad or missing. */
static int option(plot_opts *o, const char **format, const char **size, const char *a, const char *v, rm_err *e)
{
    static const char *const WITH_VALUE[] = {"--x", "--y", "--metric", "--err", "--out", "--format", "--size", "--title", "--data", "--yrange", NULL};
    int known = 0;
    for (int k = 0; WITH_VALUE[k]; k++) known |= !strcmp(a, WITH_VALUE[k]);
    if (!known) return 0;
    if (!v) return rm_cli_usage_error("plot", "%s needs a value", a), -1;
    if (!strcmp(a, "--x")) o->x = v;
    else if (!strcmp(a, "--out")) o->out = v;
    else if (!strcmp(a, "--format")) *format = v;
    else if (!strcmp(a, "--size")) *size = v;
    else if (!strcmp(a, "--title")) o->title = v;
    else if (!strcmp(a, "--data")) o->data = v;
    else if (!strcmp(a, "--yrange")) {
        if (parse_yrange(o, v)) return rm_cli_usage_error("plot", "--yrange: expected LO:HI (numbers, LO < HI, one of them may be left out: 0:1, :0.5), got '%s'", v), -1;
    }
    else if (!strcmp(a, "--y") || !strcmp(a, "--metric")) {
        if (plot_parse_metrics(o, a, v, e)) return rm_cli_fail("plot", e), -1;
    } else {
        o->err = !strcmp(v, "std") ? PLOT_ERR_STD : !strcmp(v, "ci") ? PLOT_ERR_CI : !strcmp(v, "sem") ? PLOT_ERR_SEM : -1;
        if (o->err < 0) return rm_cli_usage_error("plot", "--err: expected std, ci or sem, got '%s'", v), -1;
    }
    if (!v[0]) return rm_cli_usage_error("plot", "%s: the value must not be empty", a), -1;
    return 1;
}

int rm_cli_plot(int argc, char **argv)
{
    static plot_opts o;
    const char *mode = NULL, *dir = NULL, *format = NULL, *size = NULL;
    rm_err e = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s", HELP);
            return RM_OK;
        }
        int r = option(&o, &format, &size, a, i + 1 < argc ? argv[i + 1] : NULL, &e);
        if (r < 0) return RM_ERR_USAGE;
        if (r > 0) i++;
        else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) o.quiet = 1;
        else if (a[0] == '-' && a[1]) return rm_cli_usage_error("plot", "unknown option '%s'", a);
        else if (!mode) mode = a;
        else if (!dir) dir = a;
        else return rm_cli_usage_error("plot", "one directory only, got '%s' too", a);
    }
    if (!mode) return rm_cli_usage_error("plot", "%s", "give what to plot: sweep, curves, weights or rungs");
    int weights = !strcmp(mode, "weights"), rungs = !strcmp(mode, "rungs");
    if (strcmp(mode, "sweep") && strcmp(mode, "curves") && !weights && !rungs)
        return rm_cli_usage_error("plot", "unknown plot '%s' (sweep, curves, weights or rungs)", mode);
    if (!dir) return rm_cli_usage_error("plot", "%s: give a directory", mode);
    if (!o.nmetrics && !weights && !rungs) return rm_cli_usage_error("plot", "%s: --y METRIC is required", mode);
    if (weights && (o.has_ylo || o.has_yhi)) return rm_cli_usage_error("plot", "weights: --yrange is for sweep, curves and rungs");
    if (rungs && o.nmetrics > 1) return rm_cli_usage_error("plot", "rungs: one metric (--metric METRIC)");
    if (!strcmp(mode, "sweep") && !o.x) return rm_cli_usage_error("plot", "sweep: --x KEY is required");
    if (pick_format(&o, format, size)) return RM_ERR_USAGE;
    char out[64];
    if (!o.out) snprintf(out, sizeof out, "plot.%s", o.format), o.out = out;
    int rc = weights ? plot_weights(dir, &o, &e) : rungs ? plot_rungs(dir, &o, &e)
             : !strcmp(mode, "sweep") ? plot_sweep(dir, &o, &e) : plot_curves(dir, &o, &e);
    if (rc) return rm_cli_fail("plot", &e);
    if (!o.quiet) fprintf(stderr, "regmnist: plot: wrote %s%s%s\n", o.out, o.data ? " and the data in " : "", o.data ? o.data : "");
    return RM_OK;
}
