/* ihsweep plot: draws the figures of a results file with PLplot into a directory. The file is
 * opened collectively (so it works under mpirun, where the essential-dynamics PCA is spread over
 * the ranks); rank 0 draws. The toy model's figures (fig5a, fig9) read toy-model files instead,
 * one per seed, serially and without MPI. */
#include "cli/cli.h"

#include "ihsweep/analysis.h"
#include "ihsweep/error.h"
#include "ihsweep/pca.h"
#include "ihsweep/plot.h"
#include "ihsweep/results.h"
#include "ihsweep/suggest.h"
#include "ihsweep/toy_file.h"

#include <errno.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const usage =
    "usage: ihsweep plot FILE -o DIR [--figure NAME[,NAME...]] [--format png|svg|pdf|all[,...]]\n"
    "                                [--x PARAM] [--y PARAM] [--run ID]\n"
    "       ihsweep plot TOY.h5... -o DIR --figure fig5a,fig9 [--format ...]\n"
    "\n"
    "Draws figures of a results file into DIR (created if missing). The sweep's figures (the\n"
    "default; --figure sweep):\n"
    "  phase_change_map    median t* (Kaplan-Meier over seeds, 95% interval) against a swept\n"
    "                      data parameter, a line per condition, log-log; arrows: not reached\n"
    "  loss_curves         eval loss per condition, one line per setting, band mean +- sd\n"
    "  induction_strength  each run's strongest last-layer head vs the mean of its others\n"
    "  tstar_heatmap       median t* over two parameters (or one and the conditions); >T cells\n"
    "                      have not crossed by T sequences\n"
    "  clamp_comparison    train loss of every condition on one axis\n"
    "  essential_dynamics  probe-prediction trajectories on PC1-PC2, one PCA per data setting\n"
    "The paper's figures (--figure paper), from the runs of sweeps/paper/*.json found by their\n"
    "condition names (main.json, data_dependence.json, graft.json, appendix.json):\n"
    "  fig3    loss of the all-heads runs (fsl_train, held-out classes) and each seed's\n"
    "          induction strength per layer-2 head\n"
    "  fig4a   each layer-2 head's only-head accuracy vs its final induction strength\n"
    "  fig4b   t* of the single-head runs (only_l2h0..7) per head\n"
    "  fig5b   loss of the subcircuit clamps (noclamp, perfect_*) on one axis\n"
    "  fig6    grid: rows data settings, columns normal / B / C / B+C evolution\n"
    "  fig7    loss of the graft runs (graft_*): a panel per source model, a curve per\n"
    "          receiver seed; all_heads runs of the file, if any, as a reference\n"
    "  fig8    loss of the previous-token pattern variants (pt_*)\n"
    "  fig15   t* against the clamped induction-pattern strength s (ih_strength_*)\n"
    "  fig17   map of the median t* of each pair of layer-2 heads (pair_l2hA_l2hB)\n"
    "  table1  composition scores into each seed's strongest IH (text: DIR/table1.txt)\n"
    "The toy model's figures read the files of 'ihsweep toy' (one per seed; sweeps/paper/toy.sh)\n"
    "given in place of FILE; with a results file they are skipped:\n"
    "  fig5a   loss of conditions none, clamp_c, clamp_bc against iteration\n"
    "  fig9    loss, 1 - cos^2(a, a*) and the loss at the true b, c of condition none\n"
    "Curves of the paper figures are the median over seeds with the range as a band; each\n"
    "seed's t* is a dot on the 0.4 ln 2 line, or a triangle at its last eval when it never\n"
    "crossed (t* later); t* points of runs that never crossed are upward arrows. A figure\n"
    "whose runs are not in the file is skipped with one line saying which it needs.\n"
    "With --run ID only run_ID (that run's losses and induction strength per head) is drawn.\n"
    "Parameters are named by their labels (e.g. K). Sequences seen are on a log axis. Pending\n"
    "runs are skipped.\n"
    "\n"
    "options:\n"
    "  -o DIR          output directory\n"
    "  --figure LIST   figures to draw, comma-separated: names above, fig4 (fig4a and fig4b),\n"
    "                  sweep (default), paper, or all (both)\n"
    "  --format F      png, svg, pdf or all, comma-separated (default png,svg)\n"
    "  --x PARAM       x parameter of the t* map and the phase-change map (default: the first\n"
    "                  swept data parameter)\n"
    "  --y PARAM       t* map y parameter (default: the second one); none: the conditions\n"
    "  --run ID        draw one run's curves instead of the sweep's figures\n"
    "  -h, --help      this text\n";

typedef struct {
    const char **files; /* [n_files] (argv entries) */
    int n_files;
    const char *dir;
    int formats;
    const char *x;
    const char *y;
    int run;                           /* -1: the sweep's figures */
    unsigned char sweep[PLOT_N_SWEEP]; /* 1: draw generic figure i */
    unsigned char paper[PLOT_N_PAPER]; /* 1: draw paper figure i */
} PlotArgs;

/* Marks the figures of one --figure word; -1 if it names none. */
static int select_figure(const char *w, PlotArgs *a)
{
    int all = strcmp(w, "all") == 0, found = 0;
    for (int i = 0; i < PLOT_N_SWEEP; i++)
        if (all || strcmp(w, "sweep") == 0 || strcmp(w, plot_sweep_name(i)) == 0)
            found = a->sweep[i] = 1;
    for (int i = 0; i < PLOT_N_PAPER; i++)
        if (all || strcmp(w, "paper") == 0 || strcmp(w, plot_paper_name(i)) == 0 ||
            (strcmp(w, "fig4") == 0 && strncmp(plot_paper_name(i), "fig4", 4) == 0))
            found = a->paper[i] = 1;
    return found ? 0 : -1;
}

static int parse_figures(const char *s, PlotArgs *a)
{
    char list[512];
    snprintf(list, sizeof list, "%s", s);
    memset(a->sweep, 0, sizeof a->sweep);
    memset(a->paper, 0, sizeof a->paper);
    for (char *save = NULL, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (select_figure(w, a) == 0)
            continue;
        const char *names[PLOT_N_SWEEP + PLOT_N_PAPER + 4] = {"sweep", "paper", "all", "fig4"};
        int n = 4;
        for (int i = 0; i < PLOT_N_SWEEP; i++)
            names[n++] = plot_sweep_name(i);
        for (int i = 0; i < PLOT_N_PAPER; i++)
            names[n++] = plot_paper_name(i);
        const char *near = NULL; /* a name that w begins ("fig5" for fig5b), else the nearest */
        for (int i = 0; i < n && !near; i++)
            if (strncmp(names[i], w, strlen(w)) == 0)
                near = names[i];
        if (!near)
            near = ih_suggest(w, names, n);
        if (near)
            return cli_usage_error("plot", "unknown figure '%s'; did you mean '%s'?", w, near);
        return cli_usage_error("plot", "unknown figure '%s'", w);
    }
    return 0;
}

static int parse_formats(const char *s, int *out)
{
    char list[128];
    snprintf(list, sizeof list, "%s", s);
    *out = 0;
    for (char *save = NULL, *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        if (strcmp(f, "png") == 0)
            *out |= PLOT_PNG;
        else if (strcmp(f, "svg") == 0)
            *out |= PLOT_SVG;
        else if (strcmp(f, "pdf") == 0)
            *out |= PLOT_PDF;
        else if (strcmp(f, "all") == 0)
            *out |= PLOT_PNG | PLOT_SVG | PLOT_PDF;
        else
            return -1;
    }
    return *out ? 0 : -1;
}

/* 1 if the figures chosen are toy-model figures only (the files are then toy-model files). */
static int plot_toy_only(const PlotArgs *a)
{
    int toy = 0;
    for (int i = 0; i < PLOT_N_SWEEP; i++)
        if (a->sweep[i])
            return 0;
    for (int i = 0; i < PLOT_N_PAPER; i++) {
        if (a->paper[i] && !plot_paper_is_toy(i))
            return 0;
        toy |= a->paper[i];
    }
    return toy && a->run < 0;
}

/* a->files must hold argc pointers. */
static int parse_args(int argc, char **argv, PlotArgs *a)
{
    const char **files = a->files;
    memset(a, 0, sizeof *a);
    a->files = files;
    a->formats = PLOT_PNG | PLOT_SVG;
    a->run = -1;
    memset(a->sweep, 1, sizeof a->sweep);
    int figures = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(s, "-o") == 0 && has_value) {
            a->dir = argv[++i];
        } else if (strcmp(s, "--format") == 0 && has_value) {
            if (parse_formats(argv[++i], &a->formats) != 0)
                return cli_usage_error("plot", "--format takes png, svg, pdf or all");
        } else if (strcmp(s, "--figure") == 0 && has_value) {
            int status = parse_figures(argv[++i], a);
            if (status != 0)
                return status;
            figures = 1;
        } else if (strcmp(s, "--x") == 0 && has_value) {
            a->x = argv[++i];
        } else if (strcmp(s, "--y") == 0 && has_value) {
            a->y = argv[++i];
        } else if (strcmp(s, "--run") == 0 && has_value) {
            char *end = NULL;
            long v = strtol(argv[++i], &end, 10);
            if (!end || *end || end == argv[i] || v < 0 || v > 100000000)
                return cli_usage_error("plot", "--run takes a run id (an integer >= 0)");
            a->run = (int)v;
        } else if (s[0] == '-') {
            return cli_usage_error("plot", "unknown option '%s' or missing value", s);
        } else {
            a->files[a->n_files++] = s;
        }
    }
    if (a->n_files == 0)
        return cli_usage_error("plot", "missing results FILE");
    if (a->n_files > 1 && !plot_toy_only(a))
        return cli_usage_error("plot",
                               "one results file expected, got '%s' and '%s' (only the toy "
                               "model's figures, --figure fig5a,fig9, read several files)",
                               a->files[0], a->files[1]);
    if (!a->dir)
        return cli_usage_error("plot", "missing -o DIR");
    if (figures && a->run >= 0)
        return cli_usage_error("plot", "--run draws one run's curves: leave out --figure");
    if (a->y && strcmp(a->y, "none") != 0 && !a->x)
        return cli_usage_error("plot", "--y needs --x");
    return 0;
}

/* Parameter index of name (exact or unique '.'-suffix). */
static int find_param(const AnalysisInput *in, const char *name, int *out)
{
    int rc = 0;
    *out = analysis_param_lookup(in, name);
    if (*out < 0)
        IH_FAIL(IH_EUSAGE, "%s parameter called '%s' in the file",
                *out == -2 ? "more than one" : "no", name);
cleanup:
    return rc;
}

static int make_dir(const char *dir)
{
    int rc = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            IH_FAIL(IH_EIO, "cannot create directory %s: %s", path, strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        IH_FAIL(IH_EIO, "cannot create directory %s: %s", path, strerror(errno));
cleanup:
    return rc;
}

/* One PCA per data setting: the runs of other settings are hidden (as pending) while it runs.
 * Collective on MPI_COMM_WORLD. eds[n_settings] owned by the caller. */
static int settings_pca(AnalysisInput *in, const AnalysisGroups *g, EssentialDynamics ***eds_out,
                        int *n_out)
{
    int rc = 0;
    int *group_of = NULL, *run_setting = NULL;
    int8_t *status = NULL;
    EssentialDynamics **eds = NULL;
    IH_ALLOC(group_of, g->n_groups > 0 ? g->n_groups : 1);
    IH_ALLOC(run_setting, in->n_runs > 0 ? in->n_runs : 1);
    IH_ALLOC(status, in->n_runs > 0 ? in->n_runs : 1);
    int n = analysis_settings(in, g, group_of, run_setting);
    IH_ALLOC(eds, n > 0 ? n : 1);
    *eds_out = eds;
    *n_out = n;
    memcpy(status, in->status, (size_t)in->n_runs);
    for (int s = 0; s < n; s++) {
        for (int r = 0; r < in->n_runs; r++)
            in->status[r] = run_setting[r] == s ? status[r] : 0;
        rc = essential_dynamics_compute(MPI_COMM_WORLD, in, 2, NULL, &eds[s]);
        memcpy(in->status, status, (size_t)in->n_runs);
        IH_TRY(rc);
    }
cleanup:
    free(group_of);
    free(run_setting);
    free(status);
    return rc;
}

/* 1 if path reads as a toy-model file (for a clearer message than the results reader's). */
static int toy_file_named(const char *path)
{
    ToyResult *toys[TOY_CONDITION_COUNT];
    if (toy_file_read(path, toys) != 0)
        return 0;
    for (int c = 0; c < TOY_CONDITION_COUNT; c++)
        toy_result_destroy(&toys[c]);
    return 1;
}

static int plot_file(const PlotArgs *a, int rank)
{
    int rc = 0;
    ResultsFile *f = NULL;
    AnalysisInput *in = NULL;
    AnalysisGroups *g = NULL;
    EssentialDynamics **eds = NULL;
    PlotPaperInput *paper = NULL;
    int n_settings = 0;
    int *keys = NULL;
    PlotOptions o = {a->dir, a->formats, -1, -1, 0, 0};
    char why[PLOT_WHY_SIZE] = "";
    rc = results_open(MPI_COMM_WORLD, a->files[0], 0, &f);
    if (rc < 0) { /* the results reader's message, unless the file is a toy-model file */
        const int code = rc;
        char message[1024];
        snprintf(message, sizeof message, "%s", ih_error_message());
        if (toy_file_named(a->files[0]))
            IH_FAIL(IH_EUSAGE,
                    "%s is a toy-model file (ihsweep toy): draw it with --figure fig5a,fig9",
                    a->files[0]);
        IH_FAIL(code, "%s", message);
    }
    IH_TRY(analysis_input_load(f, &in));
    if (a->x)
        IH_TRY(find_param(in, a->x, &o.x_param));
    if (a->y && strcmp(a->y, "none") != 0)
        IH_TRY(find_param(in, a->y, &o.y_param));
    if (a->run >= 0) {
        if (rank == 0) {
            IH_TRY(make_dir(a->dir));
            char name[64];
            snprintf(name, sizeof name, "run_%d", a->run);
            int r = plot_run(in, a->run, &o, why);
            if (r == PLOT_SKIPPED)
                IH_FAIL(IH_EUSAGE, "plot --run: %s", why);
            IH_TRY(plot_log(name, r, &o, stdout));
        }
        goto cleanup;
    }
    IH_ALLOC(keys, in->n_params > 0 ? in->n_params : 1);
    IH_TRY(analysis_group(in, keys, analysis_default_keys(in, keys), &g));
    if (a->sweep[PLOT_N_SWEEP - 1]) /* essential dynamics: a PCA over the ranks */
        IH_TRY(settings_pca(in, g, &eds, &n_settings));
    if (rank == 0) {
        IH_TRY(make_dir(a->dir));
        for (int i = 0; i < PLOT_N_SWEEP; i++)
            if (a->sweep[i])
                IH_TRY(plot_sweep(in, g, (const EssentialDynamics *const *)eds, n_settings, i, &o,
                                  stdout));
        for (int i = 0; i < PLOT_N_PAPER; i++) {
            if (!a->paper[i])
                continue;
            if (!paper)
                IH_TRY(plot_paper_input_load(f, in, &paper));
            IH_TRY(plot_paper(in, paper, i, &o, stdout));
        }
    }
cleanup:
    for (int s = 0; eds && s < n_settings; s++)
        essential_dynamics_destroy(&eds[s]);
    free(eds);
    plot_paper_input_destroy(&paper);
    analysis_input_destroy(&in);
    analysis_groups_destroy(&g);
    free(keys);
    if (f) {
        int close_rc = results_close(&f);
        if (rc == 0)
            rc = close_rc;
    }
    return rc;
}

/* The toy model's figures: every file read through the io layer, then drawn. Local. */
static int plot_toys(const PlotArgs *a)
{
    int rc = 0;
    ToyResult **toys = NULL;
    PlotOptions o = {a->dir, a->formats, -1, -1, 0, 0};
    IH_ALLOC(toys, (size_t)a->n_files * TOY_CONDITION_COUNT);
    for (int s = 0; s < a->n_files; s++)
        IH_TRY(toy_file_read(a->files[s], toys + (size_t)s * TOY_CONDITION_COUNT));
    IH_TRY(make_dir(a->dir));
    for (int i = 0; i < PLOT_N_PAPER; i++)
        if (a->paper[i])
            IH_TRY(plot_toy((const ToyResult *const *)toys, a->n_files, i, &o, stdout));
cleanup:
    for (int k = 0; toys && k < a->n_files * TOY_CONDITION_COUNT; k++)
        toy_result_destroy(&toys[k]);
    free(toys);
    return rc;
}

/* The results-file figures, under MPI. */
static int plot_mpi(const PlotArgs *a, int argc, char **argv)
{
    int status;
    int rank = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    status = cli_mpi_finish("plot", MPI_COMM_WORLD, plot_file(a, rank));
    MPI_Finalize();
    return status;
}

int cmd_plot(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    PlotArgs a;
    a.files = calloc((size_t)argc, sizeof *a.files);
    if (!a.files)
        return cli_report_error("plot", IH_ENOMEM);
    int status = parse_args(argc, argv, &a);
    if (status == 0 && plot_toy_only(&a))
        status = cli_report_error("plot", plot_toys(&a));
    else if (status == 0)
        status = plot_mpi(&a, argc, argv);
    free(a.files);
    return status;
}
