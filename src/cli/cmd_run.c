/* ihsweep run SWEEP.json -o FILE [--resume]: runs a sweep under mpirun/srun (or as one process).
 * Rank 0 reads the sweep file and broadcasts its text; every rank plans the same runs and
 * sweep_run does the rest. SIGUSR1 or SIGTERM: in-flight runs checkpoint, the file is closed and
 * the exit status is 75 (EX_TEMPFAIL); the same command with --resume finishes the sweep.
 */
#include "cli/cli.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/sweep.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

void openblas_set_num_threads(int n);

enum { MAX_SETS = 256, EXIT_STOPPED = 75 };

/* The one piece of global state: a signal handler can only reach a file-scope flag. */
static volatile sig_atomic_t run_stop_flag;

static void run_on_signal(int sig)
{
    (void)sig;
    run_stop_flag = 1;
}

static void run_usage(FILE *out)
{
    fprintf(
        out,
        "usage: [mpirun -n N | srun --mpi=pmix] ihsweep run SWEEP.json -o FILE [options]\n\n"
        "Runs every run of a sweep (schema: README, 'Sweep files') across the MPI ranks into\n"
        "one results file. Progress on stderr from rank 0: one line per finished run and a\n"
        "summary every --progress-every seconds; at the end a table of t* per condition and\n"
        "data setting. SIGUSR1 or SIGTERM: checkpoint in-flight runs, close the file, exit 75;\n"
        "--resume then finishes the sweep with identical results (with IHSWEEP_STOP_MARKER=PATH\n"
        "set, rank 0 writes 75 to PATH and every rank exits 0 instead).\n\n"
        "  -o, --output FILE    results file (refuses an existing one without --resume)\n"
        "  --resume             continue FILE: skip verified done/diverged runs, redo the rest\n"
        "                       (from their checkpoints); creates FILE if missing\n"
        "  --checkpoint-dir DIR per-run checkpoints (default FILE.ckpt/); may be node-local\n"
        "                       (e.g. $TMPDIR): a run resumed on another node starts afresh\n"
        "  --force              with --resume: continue FILE even if its runs' config hashes\n"
        "                       differ from this sweep's (complete rows are kept)\n"
        "  --set FIELD=VALUE    override a run-config field in every run; repeatable\n"
        "  --axis FIELD=V1,V2   add a swept axis (values as JSON; the grown sweep text is\n"
        "                       stored in FILE; give the same --axis to --resume); repeatable\n"
        "  --runs LIST          only these run ids, e.g. 0-3,7 (plus the runs they bind from)\n"
        "  --shard I/N          only ids with id %% N == I (plus the runs they bind from), for\n"
        "                       job arrays; merge the shard files with `ihsweep merge`\n"
        "  --heads-from FILE    with --runs/--shard: the runs the selected ones bind heads from\n"
        "                       are not added; their heads come from their complete rows in\n"
        "                       FILE (a results file of this sweep: e.g. the merged source\n"
        "                       stage of a chained array, slurm/submit --array)\n"
        "  --progress-every S   seconds between progress summaries (default 30; 0: none)\n"
        "  --scheduler MODE     auto (default): rank 0 trains too unless one-sided access to\n"
        "                       it stalls while it computes (measured at start; e.g. TCP-only\n"
        "                       clusters), then it only schedules; shared; dedicated\n"
        "  --simulate SCALE     no training: each run sleeps its estimated time (as `ihsweep\n"
        "                       plan` prints it) times SCALE and writes a placeholder row;\n"
        "                       benchmarks the scheduler at many ranks (the file says so)\n"
        "  --write-mode MODE    who writes rows into FILE: parallel (every rank, MPI-IO; needs\n"
        "                       Lustre, GPFS, BeeGFS or a one-node job), funnel (rank 0 alone\n"
        "                       opens FILE; the others send it their rows: safe on NFS), or\n"
        "                       auto (default): funnel where FILE is on NFS, SMB or FUSE,\n"
        "                       parallel elsewhere. The same bytes either way\n");
}

/* Rank 0 reads the file; every rank gets the text. Errors are the same on every rank. */
static int read_broadcast(const char *path, int rank, char **text)
{
    int rc = 0;
    long n = -1;
    *text = NULL;
    if (rank == 0) {
        rc = config_read_file(path, text);
        n = rc < 0 ? (long)rc : (long)strlen(*text);
    }
    MPI_Bcast(&n, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    if (n < 0) {
        if (rank != 0)
            ih_error_set(__FILE__, __LINE__, __func__, (int)n, "cannot read %s", path);
        return (int)n;
    }
    if (rank != 0)
        IH_ALLOC(*text, n + 1);
    MPI_Bcast(*text, (int)n + 1, MPI_CHAR, 0, MPI_COMM_WORLD);
cleanup:
    return rc;
}

/* The exit status of a sweep stopped by a signal: 75, or 0 when the environment names a marker
 * file (IHSWEEP_STOP_MARKER, set by the Slurm batch scripts): rank 0 writes "75" there, so that
 * srun/mpirun do not report the normal checkpoint stop as a failed task. */
static int stop_status(int rank)
{
    const char *marker = getenv("IHSWEEP_STOP_MARKER");
    if (!marker || !marker[0])
        return EXIT_STOPPED;
    if (rank == 0) {
        FILE *f = fopen(marker, "w");
        if (!f || fprintf(f, "%d\n", EXIT_STOPPED) < 0 || fclose(f) != 0) {
            fprintf(stderr, "ihsweep run: cannot write the stop marker %s\n", marker);
            return EXIT_STOPPED;
        }
    }
    return 0;
}

typedef struct {
    const char *sweep, *output, *runs, *shard, *checkpoint_dir, *heads_from;
    const char *sets[MAX_SETS], *axes[MAX_SETS];
    int n_sets, n_axes, resume, force;
    double progress_every, simulate;
    SweepScheduler scheduler;
    SweepWriteMode write_mode;
} RunArgs;

static int run_main(const RunArgs *a, int rank, int *stopped, int *local_error)
{
    int rc = 0, shard_i = 0, shard_n = 0;
    char *text = NULL;
    SweepPlan *plan = NULL;
    unsigned char *sel = NULL;
    SweepRunReport report;
    *stopped = *local_error = 0;
    IH_TRY(sweep_check_launch(MPI_COMM_WORLD));
    if (a->shard)
        IH_TRY(sweep_shard_parse(a->shard, &shard_i, &shard_n));
    IH_TRY(read_broadcast(a->sweep, rank, &text));
    if (a->n_axes > 0) {
        char *grown = NULL;
        IH_TRY(sweep_text_add_axes(text, a->sweep, a->axes, a->n_axes, &grown));
        free(text);
        text = grown;
    }
    IH_TRY(sweep_plan_parse(text, a->sweep, a->sets, a->n_sets, &plan));
    IH_ALLOC(sel, plan->n_runs);
    int added = 0;
    IH_TRY(sweep_select(plan, a->runs, shard_i, shard_n, !a->heads_from, sel, &added));
    if (added && rank == 0)
        fprintf(stderr, "ihsweep run: %d run%s added because selected runs bind heads from them\n",
                added, added == 1 ? "" : "s");
    SweepRunOptions o = {.output = a->output,
                         .checkpoint_dir = a->checkpoint_dir,
                         .heads_from = a->heads_from,
                         .resume = a->resume,
                         .force = a->force,
                         .selected = a->runs || a->shard ? sel : NULL,
                         .stop = &run_stop_flag,
                         .progress_every = a->progress_every,
                         .log = rank == 0 ? stderr : NULL,
                         .scheduler = a->scheduler,
                         .simulate = a->simulate,
                         .write_mode = a->write_mode};
    rc = sweep_run(MPI_COMM_WORLD, plan, &o, &report);
    *local_error = report.local_error;
    *stopped = report.stopped;
    IH_TRY(rc);
cleanup:
    free(text);
    free(sel);
    sweep_plan_destroy(&plan);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    static const struct option options[] = {{"output", required_argument, NULL, 'o'},
                                            {"resume", no_argument, NULL, 'R'},
                                            {"force", no_argument, NULL, 'f'},
                                            {"set", required_argument, NULL, 's'},
                                            {"axis", required_argument, NULL, 'a'},
                                            {"runs", required_argument, NULL, 'r'},
                                            {"shard", required_argument, NULL, 'S'},
                                            {"progress-every", required_argument, NULL, 'p'},
                                            {"scheduler", required_argument, NULL, 'x'},
                                            {"checkpoint-dir", required_argument, NULL, 'c'},
                                            {"simulate", required_argument, NULL, 'm'},
                                            {"heads-from", required_argument, NULL, 'H'},
                                            {"write-mode", required_argument, NULL, 'w'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    RunArgs a = {.progress_every = 30};
    int opt;
    char *end = NULL;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            run_usage(stdout);
            return 0;
        case 'o':
            a.output = optarg;
            break;
        case 'R':
            a.resume = 1;
            break;
        case 'f':
            a.force = 1;
            break;
        case 's':
            if (a.n_sets == MAX_SETS)
                return cli_usage_error("run", "at most %d --set options", MAX_SETS);
            a.sets[a.n_sets++] = optarg;
            break;
        case 'a':
            if (a.n_axes == MAX_SETS)
                return cli_usage_error("run", "at most %d --axis options", MAX_SETS);
            a.axes[a.n_axes++] = optarg;
            break;
        case 'r':
            a.runs = optarg;
            break;
        case 'S':
            a.shard = optarg;
            break;
        case 'c':
            a.checkpoint_dir = optarg;
            break;
        case 'H':
            a.heads_from = optarg;
            break;
        case 'm':
            a.simulate = strtod(optarg, &end);
            if (end == optarg || *end || !(a.simulate > 0) || !isfinite(a.simulate))
                return cli_usage_error("run", "--simulate needs a scale > 0");
            break;
        case 'p':
            a.progress_every = strtod(optarg, &end);
            if (end == optarg || *end || !(a.progress_every >= 0))
                return cli_usage_error("run", "--progress-every needs seconds >= 0");
            break;
        case 'x':
            if (strcmp(optarg, "auto") == 0)
                a.scheduler = SWEEP_SCHED_AUTO;
            else if (strcmp(optarg, "shared") == 0)
                a.scheduler = SWEEP_SCHED_SHARED;
            else if (strcmp(optarg, "dedicated") == 0)
                a.scheduler = SWEEP_SCHED_DEDICATED;
            else
                return cli_usage_error("run", "--scheduler takes auto, shared or dedicated");
            break;
        case 'w':
            if (strcmp(optarg, "auto") == 0)
                a.write_mode = SWEEP_WRITE_AUTO;
            else if (strcmp(optarg, "parallel") == 0)
                a.write_mode = SWEEP_WRITE_PARALLEL;
            else if (strcmp(optarg, "funnel") == 0)
                a.write_mode = SWEEP_WRITE_FUNNEL;
            else
                return cli_usage_error("run", "--write-mode takes auto, parallel or funnel");
            break;
        default:
            return cli_unknown_option("run", argv[optind - 1], options);
        }
    }
    if (optind != argc - 1)
        return cli_positional_error("run", argc, argv, optind + 1, "one sweep file");
    if (!a.output)
        return cli_usage_error("run", "missing -o FILE");
    if (a.force && !a.resume)
        return cli_usage_error("run", "--force only makes sense with --resume");
    a.sweep = argv[optind];
    openblas_set_num_threads(1);
    if (sweep_check_launch_env() < 0)
        return cli_report_error("run", IH_EUSAGE);
    /* Hold SIGUSR1/SIGTERM from before MPI_Init (their default action would kill the rank) until
     * our handler is installed after it (so that no handler MPI installs replaces ours). */
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGUSR1);
    sigaddset(&stop_signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_signals, &previous);
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = run_on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigprocmask(SIG_SETMASK, &previous, NULL);
    int stopped = 0, local_error = 0;
    int rc = run_main(&a, rank, &stopped, &local_error);
    int status = 0;
    if (rc < 0) {
        /* a rank's own failure was printed by that rank; shared errors are printed once */
        status = ih_exit_status(rc);
        if (!local_error && rank == 0)
            cli_report_error("run", rc);
    } else if (stopped) {
        status = stop_status(rank);
    }
    MPI_Finalize();
    return status;
}
