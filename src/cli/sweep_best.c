/* sweep_best.c - `regmnist sweep SPEC --best`: the spec's finished runs (each run directory holding
 * the finished run of the config the spec builds for it now), grouped as summarize groups them, the
 * best setting by summarize's rule (best.c), printed as the overrides that reproduce it (declared in
 * sweep.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "groups.h"
#include "rm_runs.h"
#include "sweep.h"

/* every sweep.json a sweep writes reads back (sum_read_sweep) */
_Static_assert(MAX_RUNGS <= SUM_MAX_RUNGS, "a sweep's rungs exceed what sweep.json's reader accepts");

/* The rule of summarize's best line for this spec: its prune's metric, mode and last rung, else
 * val_loss, min; a setting needs all the spec's seeds. */
static void spec_rule(const sweep *w, sum_best_rule *rule)
{
    sum_best_default(rule);
    rule->nseeds = w->nseeds;
    if (!w->prune.on) return;
    snprintf(rule->metric, sizeof rule->metric, "%s", w->prune.metric);
    rule->maximize = w->prune.maximize;
    rule->pruned = 1;
    rule->budget = w->prune.epochs[w->prune.nrungs - 1];
}

/* Read the spec's finished runs into rs, with each one's run number in idx (by its real path, which
 * the grouping's sort does not change); *have_val when some run's config has a validation split. */
static int read_done(const sweep *w, const char *spec_path, rm_runs *rs, const char **real, long *idx, long *nrec,
                     int *have_val, rm_err *e)
{
    static rm_config c;
    char dir[2048];
    *have_val = 0;
    for (long i = 0; i < w->nruns; i++) {
        int done = rm_sweep_run_done(w, spec_path, i, &c, dir, sizeof dir, e);
        if (done < 0) return e->code;
        *have_val |= c.data.val_fraction > 0;
        if (!done) continue;
        int n0 = rs->n;
        if (rm_runs_scan(rs, dir, e)) return e->code;
        if (rs->n > n0) real[*nrec] = rs->run[n0].real, idx[(*nrec)++] = i; /* the run itself comes first */
    }
    return RM_OK;
}

/* The best setting's run number (its first seed's) into *run, -1 when none has finished; the line
 * saying which into note. */
static int choose(rm_runs *rs, const char **real, const long *idx, long nrec, const sum_best_rule *rule, long *run,
                  sbuf *note, rm_err *e)
{
    group *gs = NULL;
    int ng = 0;
    double *vals = calloc((size_t)rs->n + 1, sizeof *vals), mean = NAN;
    int rc = vals ? RM_OK : rm_fail(e, RM_ERR_RUN, "out of memory");
    if (!rc) rc = rm_runs_find_varied(rs, e);
    if (!rc) rc = sum_group_runs(rs, &gs, &ng, e);
    int g = rc ? -1 : sum_best_group(rs, gs, ng, rule, vals, &mean);
    *run = -1;
    if (g >= 0) {
        for (long k = 0; k < nrec && *run < 0; k++)
            if (real[k] == rs->run[gs[g].first].real) *run = idx[k];
        sum_best_line(note, rs, gs, g, rule, mean);
        sb_printf(note, "; its seeds:");
        for (int k = gs[g].first; k < gs[g].first + gs[g].count; k++) sb_printf(note, " %.0f", rs->run[k].seed);
        sb_printf(note, " (add --seed S --out DIR)");
    }
    free(gs);
    free(vals);
    return rc;
}

int rm_sweep_print_best(const sweep *w, const char *spec_path, int quiet)
{
    rm_err e = {0};
    rm_runs rs = {0};
    sum_best_rule rule;
    spec_rule(w, &rule);
    const char **real = calloc((size_t)w->nruns, sizeof *real);
    long *idx = calloc((size_t)w->nruns, sizeof *idx), run = -1, nrec = 0;
    sbuf note = {0};
    int have_val = 0, rc = real && idx ? read_done(w, spec_path, &rs, real, idx, &nrec, &have_val, &e)
                                       : rm_fail(&e, RM_ERR_RUN, "out of memory");
    if (!rc && !rule.pruned && !have_val)
        rc = rm_fail(&e, RM_ERR_USAGE, "--best: no validation metric to choose by (the runs have no validation split, "
                                       "data.val_fraction 0; never a test metric)");
    if (!rc && rs.n) rc = choose(&rs, real, idx, nrec, &rule, &run, &note, &e);
    if (!rc && run < 0)
        rc = rm_fail(&e, RM_ERR_IO, "--best: no setting has finished yet (none has all its %d run%s ok in %s%s)", w->nseeds,
                     w->nseeds == 1 ? "" : "s", w->out, rule.pruned ? " at the full budget" : "");
    char **sets = NULL;
    int n = 0;
    if (!rc && note.oom) rc = rm_fail(&e, RM_ERR_RUN, "out of memory");
    if (!rc) rc = rm_sweep_run_sets(w, run, NULL, &sets, &n, &e);
    if (!rc) {
        rm_sweep_print_args(stdout, w, sets, n);
        fputc('\n', stdout);
        if (!quiet) fprintf(stderr, "regmnist: sweep: %.*s\n", (int)note.n, note.p);
    }
    rm_sweep_free_sets(sets, n);
    free(note.p);
    free(real);
    free(idx);
    rm_runs_free(&rs);
    return rc ? rm_cli_fail("sweep", &e) : RM_OK;
}
