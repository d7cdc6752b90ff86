/* report.h - `regmnist report`'s shared parts (private to src/cli): the study being reported and
 * the HTML sections report_html.c writes from it. */
#ifndef RM_CLI_REPORT_H
#define RM_CLI_REPORT_H

#include "compare.h"
#include "groups.h"
#include "plot.h"
#include "rm_runs.h"

enum { REPORT_MAX_FIGURES = 16 };

/* Everything the page shows. */
typedef struct report {
    const char *dir;                       /* the study directory */
    char name[256];                        /* its name (sweep.json's, else the runs', else DIR's) */
    char *spec;                            /* DIR/sweep.json as written, or NULL */
    rm_runs rs;                            /* its runs, sorted by setting then seed */
    group *gs;                             /* the groups (seeds of one setting) */
    int ng;
    char metrics[SUM_MAX_METRICS][64];     /* the groups table's metrics (canonical) */
    int nm;
    char baseline[1024];                   /* the baseline filter, "" when there is none */
    char baseline_why[512];                /* how it was chosen, or why there is none */
    int n_base;                            /* the baseline's ok runs and their mean */
    double base_mean;
    cmp_side sides[CMP_MAX_SIDES];         /* every other setting against it */
    int nsides;
    char *figure[REPORT_MAX_FIGURES];      /* inline SVG elements */
    char caption[REPORT_MAX_FIGURES][512];
    int nfig;
    char figures_note[512];                /* said in place of figures (--no-figures, none to draw) */
    int pruned;                            /* DIR is a pruned sweep (sweep.json's "prune") */
    plot_rung_info rungs;                  /* then its rungs */
    char *rung_figure;                     /* and `plot rungs DIR` as an inline SVG element, or NULL */
    char rung_note[256];                   /* said in its place when it has nothing to draw yet */
} report;

/* s HTML-escaped (& < > " ') into b. */
void html_esc(sbuf *b, const char *s);

/* The whole page: head and style, spec and provenance, groups, baseline, a pruned sweep's rungs,
 * figures, run status. */
void report_html(sbuf *b, const report *r);

#endif
