/* The paper's Fig 17: t* with exactly two layer-2 heads active, for every pair of heads (the
 * conditions pair_l2hA_l2hB of the appendix sweep), as an upper-triangle map: row A, column B,
 * each cell the Kaplan-Meier median t* over seeds with how many crossed, coloured on a log scale
 * like the t* map; a cell whose median was not reached says ">T" in the censored colour, never a
 * value. The title gives the seed count and the all-heads baseline's median t*; the subtitle each
 * seed's strongest IH (from its baseline run), since the pairs that matter differ by seed, and a
 * line below the map the median t* of the runs whose pair holds their seed's strongest IH
 * against the others. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_HEADS = 16, TEXT = 256 };

typedef struct {
    int H;
    KmMedian km[MAX_HEADS][MAX_HEADS];  /* [A][B], A < B; n 0: no finished run */
    double lo, hi;                      /* log10 colour range */
    unsigned char strongest[MAX_HEADS]; /* 1: some seed's strongest IH (starred) */
    char title[TEXT];
    char subtitle[TEXT];  /* the baseline */
    char subtitle2[TEXT]; /* each seed's strongest IH */
    char subtitle3[TEXT]; /* pairs with and without the seed's strongest IH */
} PairMap;

static void draw_pairs(const void *ctx)
{
    const PairMap *m = ctx;
    const int H = m->H;
    plot__viridis();
    pladv(0);
    plvpor(0.12, 0.76, 0.15, 0.8);
    plwind(0.5, H - 0.5, H - 1.5, -0.5); /* rows A = 0..H-2 from the top, columns B = 1..H-1 */
    for (int a = 0; a < H; a++)
        for (int b = a + 1; b < H; b++) {
            const KmMedian *km = &m->km[a][b];
            PLFLT cx[4] = {b - 0.5, b + 0.5, b + 0.5, b - 0.5};
            PLFLT cy[4] = {a - 0.5, a - 0.5, a + 0.5, a + 0.5};
            int dark = 0;
            if (km->n > 0 && isfinite(km->median) && km->median > 0) {
                double frac = m->hi > m->lo ? (log10(km->median) - m->lo) / (m->hi - m->lo) : 0.5;
                plcol1(frac);
                dark = frac < 0.6;
            } else {
                plcol0(km->n > 0 ? PLOT__CENSORED : PLOT__BG);
            }
            plfill(4, cx, cy);
            plcol0(PLOT__FG);
            plline(5, (PLFLT[]){b - 0.5, b + 0.5, b + 0.5, b - 0.5, b - 0.5},
                   (PLFLT[]){a - 0.5, a - 0.5, a + 0.5, a + 0.5, a - 0.5});
            char med[32], count[32];
            if (km->n > 0) {
                analysis_format_median(km, med, sizeof med);
                snprintf(count, sizeof count, "%d/%d", km->n_events, km->n);
            } else {
                snprintf(med, sizeof med, "no runs");
                count[0] = '\0';
            }
            plcol0(dark ? PLOT__BG : PLOT__FG);
            plschr(0, 0.8);
            plptex(b, a - 0.08, 1, 0, 0.5, med);
            plschr(0, 0.6);
            plptex(b, a + 0.28, 1, 0, 0.5, count);
            plschr(0, 0.85);
        }
    plcol0(PLOT__FG);
    for (int h = 0; h < H; h++) {
        char v[16];
        snprintf(v, sizeof v, "L2H%d%s", h, m->strongest[h] ? "*" : "");
        if (h > 0)
            plmtex("t", 0.8, (h - 0.5) / (H - 1), 0.5, v);
        if (h < H - 1)
            plmtex("lv", 0.8, 1.0 - (h + 0.5) / (H - 1), 1.0, v);
    }
    plmtex("t", 2.4, 0.5, 0.5, "second active head B");
    plmtex("l", 6.2, 0.5, 0.5, "first active head A");
    plschr(0, 0.7);
    plmtex("b", 1.5, 0.0, 0.0,
           "cell: Kaplan-Meier median t* over seeds (sequences), seeds crossed/seeds;");
    plmtex("b", 3.0, 0.0, 0.0, ">T: median not reached by the longest run, T");
    plschr(0, 0.85);
    plmtex("t", 7.4, 0.0, 0.0, m->title);
    plschr(0, 0.7);
    plmtex("t", 5.6, 0.0, 0.0, m->subtitle);
    plmtex("t", 4.2, 0.0, 0.0, m->subtitle2);
    plmtex("b", 4.5, 0.0, 0.0, m->subtitle3);
    plschr(0, 0.85);
    plot__colour_bar(m->lo, m->hi > m->lo ? m->hi : m->lo + 1);
}

/* "seed 5: L2H3, seed 6: L2H1" from the all-heads runs (strongest IH per seed). */
static void strongest_text(const PaperData *d, const int *base, int n_base, char *buf, int size)
{
    int used = snprintf(buf, (size_t)size, "*: a seed's strongest IH (its all-heads run): ");
    for (int i = 0; i < n_base && used < size; i++) {
        const int r = base[i], ih = d->p->strongest_ih[r];
        int k;
        if (ih >= 0)
            k = snprintf(buf + used, (size_t)(size - used), "%sseed %g L2H%d", i ? ", " : "",
                         plot__paper_seed(d, r), ih);
        else
            k = snprintf(buf + used, (size_t)(size - used), "%sseed %g unknown", i ? ", " : "",
                         plot__paper_seed(d, r));
        if (k < 0)
            break;
        used += k;
    }
    if (n_base == 0)
        snprintf(buf, (size_t)size, "no all-heads run in this file: strongest IH per seed unknown");
}

/* The pair runs (every pair_l2hA_l2hB run with a baseline run of its seed in base) split by
 * whether the pair holds the seed's strongest IH: Kaplan-Meier medians of both groups, logged and
 * written to buf ("" when no seed's strongest IH is known). Errors: IH_ENOMEM. */
static int with_strongest(const PaperData *d, const int *base, int n_base, char *buf, int size,
                          FILE *log)
{
    int rc = 0;
    const AnalysisInput *in = d->in;
    int *group[2] = {NULL, NULL}, n[2] = {0, 0};
    buf[0] = '\0';
    IH_ALLOC(group[0], in->n_runs);
    IH_ALLOC(group[1], in->n_runs);
    for (int r = 0; r < in->n_runs; r++) {
        int a, b, ih = -1;
        if (in->status[r] != RUN_DONE || sscanf(in->condition[r], "pair_l2h%d_l2h%d", &a, &b) != 2)
            continue;
        for (int i = 0; i < n_base && ih < 0; i++)
            if (plot__paper_seed(d, base[i]) == plot__paper_seed(d, r))
                ih = d->p->strongest_ih[base[i]];
        if (ih < 0)
            continue;
        const int k = a == ih || b == ih;
        group[k][n[k]++] = r;
    }
    if (n[0] + n[1] == 0)
        goto cleanup;
    char med[2][32], text[2][80];
    static const char *const what[2] = {"without", "with"};
    for (int k = 0; k < 2; k++) {
        KmMedian km;
        IH_TRY(plot__paper_km(in, group[k], n[k], &km));
        if (n[k] > 0)
            analysis_format_median(&km, med[k], sizeof med[k]);
        else
            snprintf(med[k], sizeof med[k], "-");
        snprintf(text[k], sizeof text[k], "t* %s, %d/%d runs crossed", med[k], km.n_events, n[k]);
        fprintf(log, "  fig17 pairs %s the seed's strongest IH: %s\n", what[k], text[k]);
    }
    snprintf(buf, (size_t)size, "pairs with the seed's strongest IH: %s; without: %s", text[1],
             text[0]);
cleanup:
    free(group[0]);
    free(group[1]);
    return rc;
}

int plot__paper_fig17(const PaperData *d, const PlotOptions *o, char *why, FILE *log)
{
    int rc = 0;
    const AnalysisInput *in = d->in;
    const int H = in->n_heads < MAX_HEADS ? in->n_heads : MAX_HEADS;
    int *runs = NULL, *base = NULL, n_pairs = 0, min_seeds = 0, max_seeds = 0, first = -1;
    PairMap *m = NULL;
    IH_ALLOC(runs, in->n_runs);
    IH_ALLOC(base, in->n_runs);
    IH_ALLOC(m, 1);
    m->H = H;
    m->lo = INFINITY;
    m->hi = -INFINITY;
    double t_max = -INFINITY;
    for (int a = 0; a < H; a++)
        for (int b = a + 1; b < H; b++) {
            char cond[48];
            snprintf(cond, sizeof cond, "pair_l2h%d_l2h%d", a, b);
            int n = plot__paper_runs(d, cond, -1, runs);
            if (n == 0)
                continue;
            KmMedian *km = &m->km[a][b];
            first = first < 0 ? runs[0] : first;
            IH_TRY(plot__paper_km(in, runs, n, km));
            char med[48];
            analysis_format_median(km, med, sizeof med);
            fprintf(log, "  fig17 %s: t* %s, %d/%d crossed\n", cond, med, km->n_events, n);
            min_seeds = n_pairs == 0 || n < min_seeds ? n : min_seeds;
            max_seeds = n > max_seeds ? n : max_seeds;
            n_pairs++;
            if (isfinite(km->median) && km->median > 0) {
                m->lo = fmin(m->lo, log10(km->median));
                m->hi = fmax(m->hi, log10(km->median));
            }
            if (km->t_max > 0)
                t_max = fmax(t_max, log10(km->t_max));
        }
    if (n_pairs == 0) {
        snprintf(why, PLOT_WHY_SIZE,
                 "no finished run of conditions pair_l2hA_l2hB (appendix.json stage head_pairs, "
                 "28 pairs x 3 seeds)");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    if (!isfinite(m->lo)) { /* no median reached: a scale ending at the longest run */
        m->hi = t_max;
        m->lo = t_max - 1;
    }
    char seeds[32], baseline[160] = "no all-heads baseline run in this file";
    if (min_seeds == max_seeds)
        snprintf(seeds, sizeof seeds, "%d %s per pair", min_seeds,
                 min_seeds == 1 ? "seed" : "seeds");
    else
        snprintf(seeds, sizeof seeds, "%d-%d seeds per pair", min_seeds, max_seeds);
    const int n_base = plot__paper_runs(d, "all_heads", first, base); /* at the pairs' setting */
    if (n_base > 0) {
        KmMedian km;
        char med[48];
        IH_TRY(plot__paper_km(in, base, n_base, &km));
        analysis_format_median(&km, med, sizeof med);
        snprintf(baseline, sizeof baseline,
                 "all %d heads (baseline, %d %s): median t* %s, %d/%d "
                 "crossed",
                 in->n_heads, n_base, n_base == 1 ? "seed" : "seeds", med, km.n_events, n_base);
        fprintf(log, "  fig17 all_heads: t* %s, %d/%d crossed\n", med, km.n_events, n_base);
    }
    snprintf(m->title, sizeof m->title, "Fig 17: t* with only two layer-2 heads active (%s)",
             seeds);
    char strongest[TEXT];
    strongest_text(d, base, n_base, strongest, sizeof strongest);
    snprintf(m->subtitle, sizeof m->subtitle, "%s", baseline);
    snprintf(m->subtitle2, sizeof m->subtitle2, "%s", strongest);
    IH_TRY(with_strongest(d, base, n_base, m->subtitle3, sizeof m->subtitle3, log));
    for (int i = 0; i < n_base; i++)
        if (d->p->strongest_ih[base[i]] >= 0 && d->p->strongest_ih[base[i]] < H)
            m->strongest[d->p->strongest_ih[base[i]]] = 1;
    if (in->n_heads > MAX_HEADS)
        fprintf(log, "note fig17: the first %d of %d heads\n", MAX_HEADS, in->n_heads);
    const PlotOptions square = plot__page_size(o, 1500, 1200);
    rc = plot__figure(&square, "fig17", 1, 1, draw_pairs, m);
cleanup:
    free(runs);
    free(base);
    free(m);
    return rc;
}
