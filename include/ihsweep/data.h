/* Data: exemplar sources, the sequence generator of design 1.6 (with the paper's specialisation 1.3),
 * label pairs and held-out relabelings (1.4), fixed evaluator sets (1.5), the dense training set D
 * (4.2) and a probe set.
 *
 * Everything here is local (no MPI) and deterministic. Randomness comes only from rng.h streams:
 *   training batch of step s      (train_seed, RNG_PURPOSE_TRAIN_BATCH, s)
 *   evaluator i's fixed set       (eval_seed,  RNG_PURPOSE_EVAL_SET, i); with noise, sequence n's
 *                                 noise comes from index i | (n+1) << 32
 *   probe set                     (eval_seed,  RNG_PURPOSE_PROBE_SET, 0); noise: (n+1) << 32
 *   dense subset                  (eval_seed,  RNG_PURPOSE_DENSE_SUBSET, 0)
 *   synthetic/gaussian class c    (source.seed, RNG_PURPOSE_SYNTH_SOURCE, c); shared mean: 2^32
 * so two runs that share the data config and train seed see identical training batches whatever
 * their model, clamps or init seed (design 2.4). Nothing is allocated per step: a DataBatch has a
 * fixed capacity and data_train_batch / data_eval_batch / data_dense_batch only fill it.
 *
 * Class ids in batches are indices into the source ([0, n_classes_total)); training classes are
 * [0, K). Exemplar ids index the source's second axis. Labels are in [0, n_labels).
 * Not here: the model, metrics, and the run-config parser (config.h reads JSON into DataConfig).
 */
#ifndef IHSWEEP_DATA_H
#define IHSWEEP_DATA_H

#include "ihsweep/model.h"

#include <stdint.h>

#define DATA_MAX_EVALUATORS 16
#define DATA_MAX_MIXING 8
#define DATA_MAX_PAIRS 32 /* largest context_pairs P */
#define DATA_NAME_MAX 48
#define DATA_PATH_MAX 1024

typedef enum {
    DATA_SOURCE_SYNTHETIC = 0,
    DATA_SOURCE_HDF5,
    DATA_SOURCE_GAUSSIAN,
    DATA_SOURCE_LOWRANK
} DataSourceType;

/* How the synthetic source makes its vectors non-negative (post-ReLU features are). */
typedef enum { DATA_NONNEG_RELU = 0, DATA_NONNEG_ABS, DATA_NONNEG_NONE } DataNonneg;

/* A block of a class or exemplar split (design 1.2). */
typedef enum { DATA_SET_TRAIN = 0, DATA_SET_VAL, DATA_SET_TEST, DATA_SET_ALL } DataSet;

/* Label scheme of a sampler (design 1.4, 1.5). The pair schemes pick one unordered pair from the
 * named label-pair set per sequence, order it at random, and give the first label to the bursty and
 * query items and the second to the distractor items. NONE keeps true class labels; FLIP swaps the
 * bursty and distractor true labels (the query gets the distractor's); PAIR01 uses the pair (0,1).
 */
typedef enum {
    DATA_RELABEL_NONE = 0,
    DATA_RELABEL_01,
    DATA_RELABEL_FLIP,
    DATA_RELABEL_TRAIN,
    DATA_RELABEL_VAL,
    DATA_RELABEL_TEST,
    DATA_RELABEL_ALL
} DataRelabel;

/* Role of an item in a sequence (the reference's ItemType). */
typedef enum {
    DATA_ITEM_OTHER = 0,
    DATA_ITEM_BURSTY = 1,
    DATA_ITEM_DISTRACTOR = 2,
    DATA_ITEM_QUERY = 3
} DataItemType;

typedef struct {
    DataSourceType type;
    /* hdf5: a [C, E, D] float32 dataset (the authors' file: [1623, 5, 512] at resnet18/224/feat) */
    char path[DATA_PATH_MAX];
    char dataset[256];
    /* synthetic and gaussian */
    int dim;       /* D */
    uint32_t seed; /* the source's own seed (not the train or eval seed) */
    /* synthetic: x[c,e] = nonneg(mean_scale * m + class_scale * z_c + exemplar_noise * xi_ce) with
     * m = |N(0, I)| shared by all classes, z_c, xi_ce ~ N(0, I). Uncalibrated defaults. */
    float mean_scale;
    float class_scale;    /* class separation */
    float exemplar_noise; /* spread of a class's exemplars */
    DataNonneg nonneg;
    /* gaussian (Reddy 2023): mu_c ~ N(0, I/D), x[c,e] = (mu_c + eps eta_ce) / sqrt(1 + eps^2),
     * eta_ce ~ N(0, I/D) */
    float within_class_noise; /* eps */
    /* lowrank: like synthetic, but the class part is class_scale * W h_c with one fixed random
     * map W [D, rank] ~ N(0, 1/rank) shared by all classes and h_c ~ N(0, I_rank), so every class
     * lies in one (rank + 1)-dimensional affine subspace before the ReLU, as CNN features share
     * low-dimensional structure: held-out classes resemble the training classes' span. */
    int rank;
} DataSourceConfig;

/* One sequence sampler of design 1.6. With mixing, weight is its probability (normalised). */
typedef struct {
    double weight;
    int burstiness;  /* B: copies of the query class (and of the distractor) in the context */
    int distractor;  /* 1: B copies of one other class */
    int no_support;  /* rest items exclude the query (and distractor) classes */
    int unique_rest; /* rest items drawn without replacement, excluding query and distractor */
} DataSamplerConfig;

/* One fixed evaluation set (design 1.5). Classes are drawn uniformly from its class block. */
typedef struct {
    char name[DATA_NAME_MAX]; /* [A-Za-z0-9_]+, unique */
    DataSet classes;
    DataSet exemplars;
    DataRelabel relabel;
    int burstiness;
    int distractor;
    int no_support;
    int unique_rest;
    int assign_query_label_random; /* only with relabel none (as in the reference) */
    float noise_scale;             /* Gaussian noise added to every exemplar token */
    int size;                      /* sequences in the set */
} DataEvaluatorConfig;

typedef struct DataConfig {
    DataSourceConfig source;
    int n_classes_total;       /* C: classes in the source (1623) */
    int n_exemplars;           /* E: exemplars per class (5) */
    int class_split[3];        /* train/val/test class counts, summing to C: K = class_split[0] */
    int exemplar_split[3];     /* train/val/test exemplar counts, summing to E */
    int n_labels;              /* L */
    double relabel_split[3];   /* train/val/test weights of the label-pair split (8 2 0) */
    DataRelabel relabel;       /* training label scheme (train pairs) */
    int context_pairs;         /* P: exemplar-label pairs before the query */
    DataSamplerConfig sampler; /* the training sampler when n_mixing == 0 (weight unused) */
    int n_mixing;              /* 0, or the number of mixed training samplers */
    DataSamplerConfig mixing[DATA_MAX_MIXING];
    double zipf_alpha;               /* training class distribution p_c ~ (c+1)^-alpha */
    float noise_scale;               /* training noise (0 in the paper) */
    int match_query_and_distractors; /* bursty+query share an exemplar; distractors share one */
    int assign_query_label_random;   /* training; only with relabel none */
    int eval_size;                   /* default size of an evaluator (1000) */
    int n_evaluators;
    DataEvaluatorConfig evaluators[DATA_MAX_EVALUATORS];
    long dense_subset; /* 0: the whole dense set D; n > 0: a fixed random subset of n sequences */
    int n_probe;       /* probe sequences (64) */
} DataConfig;

/* Fills cfg with the paper's baseline (design 5.1): K = 50 of 1623 classes (split 50 1473 100),
 * exemplar split 1 4 0, L = 5 with relabel split 8 2 0, P = 2, B = 1 with a distractor, no Zipf,
 * no noise, the evaluators fsl_train, fsl_val_rl, fsl_train_valex, fsl_test_class (1000 each), and
 * the lowrank synthetic source (rank 16) with D = 512. Local; cannot fail. */
void data_config_default(DataConfig *cfg);

/* Replaces cfg's evaluators with the paper's four, taking sampler settings (burstiness, distractor,
 * no_support, unique_rest), size (eval_size) and noise (noise_scale) from cfg's top-level fields.
 */
void data_config_paper_evaluators(DataConfig *cfg);

/* Checks everything that does not need the source's file: sums of splits, K >= 2, burstiness that
 * fits the context, non-empty label-pair sets, class sets large enough, labels in range, names.
 * path prefixes field names in errors ("data" -> "data.class_split: ..."). Errors: IH_ECONFIG.
 * Local. */
int data_config_validate(const DataConfig *cfg, const char *path);

/* Names of the enum values as used in JSON, NULL-terminated, in enum order. Static. */
const char *const *data_source_type_names(void);
const char *const *data_nonneg_names(void);
const char *const *data_set_names(void);
const char *const *data_relabel_names(void);
const char *data_item_type_name(DataItemType t);

/* ---- exemplar sources ---- */

/* A [C, E, D] float32 array of exemplar vectors, possibly holding only some classes: a run loads
 * the classes its samplers and evaluators can draw (the paper's 150 of 1623), which keeps a
 * training process small. Read vectors through data_source_vector. */
typedef struct {
    int n_classes;   /* C */
    int n_exemplars; /* E */
    int dim;         /* D */
    int n_loaded;    /* classes held in x */
    int *class_row;  /* [C] block of class c in x, -1 if not loaded; NULL: all, in order */
    float *x;        /* [n_loaded, E, D], owned */
} DataSource;

/* Exemplar vector [D] of (class, exemplar); the class must be loaded. Borrowed. */
const float *data_source_vector(const DataSource *s, int class_id, int exemplar_id);

/* Reads a file source (type "hdf5") into s. data/ links no file-format library: the layer that
 * does (io/, exemplar_file_read) supplies the reader. Contract: the file's dataset must be rank 3
 * float32 [C, E, D] matching n_classes and n_exemplars (<= 0: accept the file's) with finite
 * values; the reader sets s->n_classes, n_exemplars and dim, calls data_source_select(s, needed),
 * and fills s->x with the selected classes only. Errors name the file, the dataset and the field
 * (path prefixes field names, e.g. "data.source"): IH_ENOENT (missing file or dataset), IH_EDATA
 * (wrong rank, type, shape, non-finite values), IH_EHDF5, IH_ENOMEM. */
typedef int (*DataFileReader)(const DataSourceConfig *cfg, int n_classes, int n_exemplars,
                              const unsigned char *needed, const char *path, DataSource *s);

/* Loads or generates the source described by cfg with n_classes x n_exemplars vectors; a file
 * source is read by reader (NULL: file sources are refused with IH_ECONFIG). Returns owned *out.
 * Errors: IH_ECONFIG, IH_ENOMEM and the reader's. Local. */
int data_source_load(const DataSourceConfig *cfg, int n_classes, int n_exemplars,
                     DataFileReader reader, const char *path, DataSource **out);

/* As data_source_load, holding only the classes c with needed[c] != 0 (needed [n_classes];
 * NULL: all). Generated classes have the same values either way (each class has its own random
 * stream); a file source reads only those classes. */
int data_source_load_classes(const DataSourceConfig *cfg, int n_classes, int n_exemplars,
                             const unsigned char *needed, DataFileReader reader, const char *path,
                             DataSource **out);

/* Chooses which classes s holds: class_row and n_loaded from needed [s->n_classes] (NULL: all,
 * in order). For readers; s->x is not touched. Errors: IH_ENOMEM. Local. */
int data_source_select(DataSource *s, const unsigned char *needed);

/* Frees *s and sets it to NULL. NULL-safe. */
void data_source_destroy(DataSource **s);

/* Geometry of a source over its first n_classes classes (calibration aid, design 9 item 2). */
typedef struct {
    double mean_norm;       /* mean L2 norm of exemplar 0 */
    double cos_between;     /* mean cosine between exemplar 0 of two different classes */
    double cos_within;      /* mean cosine between exemplar 0 and the other exemplars of a class */
    double frac_zero;       /* fraction of exactly-zero coordinates */
    double mean_coordinate; /* mean coordinate value */
} DataSourceStats;

/* Computes the statistics over classes [0, n_classes) (all if n_classes <= 0). Local. */
void data_source_stats(const DataSource *s, int n_classes, DataSourceStats *out);

/* ---- label pairs (design 1.4) ---- */

/* Splits the L(L-1)/2 unordered label pairs (i < j) by the weights split[3] (train, val, test):
 * test gets floor(N s_te / sum), val floor(N s_va / sum), train the rest. For L = 5, 10, 15 with
 * the paper's sizes (20% val, no test) the exact pairs of design 1.4 are used; otherwise the pairs
 * are permuted by a Fisher-Yates shuffle from rng stream (20, RNG_PURPOSE_LABEL_SPLIT, L) and
 * cut as the reference does (test first, then val, then train). pairs_out [N, 2] receives the train
 * block, then val, then test; counts[3] the block sizes. Errors: IH_ECONFIG (L < 2, bad weights),
 * IH_ENOMEM. Local. */
int data_label_split(int L, const double split[3], int *pairs_out, int counts[3]);

/* ---- the data of one run ---- */

typedef struct Data Data;

/* Loads or generates the source (a file source through reader, which may be NULL for generated
 * sources), splits label pairs and generates the fixed eval sets, probe set and dense subset from
 * eval_seed. cfg is trusted: validated once at the edge (data_config_parse / run_config_validate).
 * Borrows cfg (copied). Returns owned *out. Errors: as data_source_load, IH_ENOMEM. Local. */
int data_create(const DataConfig *cfg, uint32_t train_seed, uint32_t eval_seed,
                DataFileReader reader, Data **out);

/* Frees *d and sets it to NULL. NULL-safe. */
void data_destroy(Data **d);

/* Accessors. Borrowed pointers live as long as d. */
const DataConfig *data_config(const Data *d);
int data_input_dim(const Data *d);       /* D */
int data_n_labels(const Data *d);        /* L */
int data_context_pairs(const Data *d);   /* P */
int data_n_train_classes(const Data *d); /* K */
/* The exemplar source ([C, E, D]). */
const DataSource *data_source(const Data *d);
/* Exemplar vector [D] of (class, exemplar). */
const float *data_exemplar(const Data *d, int class_id, int exemplar_id);
/* The label pairs of a pair scheme ([n, 2], i < j within a pair); NULL with *n = 0 for schemes
 * without pairs (NONE, FLIP). */
const int *data_label_pairs(const Data *d, DataRelabel scheme, int *n);

/* ---- batches ---- */

/* A batch of sequences plus the exemplar rows the model reads. X = P + 1 exemplar tokens per
 * sequence, the query last. All arrays are allocated at create time for `capacity` sequences. */
typedef struct {
    int capacity; /* most sequences a batch can hold */
    int max_rows; /* capacity * X: bound on R */
    int D, P, X;
    int B;             /* sequences in the batch */
    int *class_ids;    /* [B, X] source class index */
    int *exemplar_ids; /* [B, X] source exemplar index */
    int *types;        /* [B, X] DataItemType */
    int *labels;       /* [B, P] context labels */
    int *targets;      /* [B] query label */
    int *match;        /* [B] first context pair whose class is the query's; -1 if none */
    int R;             /* distinct rows in `rows` */
    float *rows;       /* [R, D] exemplar vectors (noise added when the sampler has noise) */
    int *example_row;  /* [B, X] row of `rows` for each exemplar token */
    ModelBatch model;  /* view of the above for model_forward */
    /* internal: dedupe table (open addressing, 2^hash_bits slots) */
    int hash_bits;
    int *hash_key;
    int *hash_row;
    int *row_slot;
} DataBatch;

/* Creates a batch for up to capacity sequences of d's shape. Returns owned *out. Rows are
 * deduplicated: without noise, identical (class, exemplar) tokens share one row (in the paper's
 * training data ~43 rows for 96 tokens); with noise every token has its own row.
 * Errors: IH_ECONFIG (capacity < 1), IH_ENOMEM. Local. */
int data_batch_create(const Data *d, int capacity, DataBatch **out);

/* Frees *b and sets it to NULL. NULL-safe. */
void data_batch_destroy(DataBatch **b);

/* Fills out with the B training sequences of optimizer step `step`: a pure function of
 * (train_seed, data config, step, B). B is clamped to [0, capacity]. Cannot fail. */
void data_train_batch(const Data *d, long step, int B, DataBatch *out);

/* Fixed evaluator sets: count, name, config, size, and index by name (-1 if none). */
int data_eval_count(const Data *d);
const char *data_eval_name(const Data *d, int evaluator);
const DataEvaluatorConfig *data_eval_config(const Data *d, int evaluator);
int data_eval_size(const Data *d, int evaluator);
int data_eval_find(const Data *d, const char *name);

/* Fills out with sequences [first, first + B) of the evaluator's fixed set (clipped to the set;
 * out->B says how many). The same indices give the same sequences, rows and noise every time.
 * Cannot fail. */
void data_eval_batch(const Data *d, int evaluator, int first, int B, DataBatch *out);

/* The dense training set D (design 4.2): every sequence of the training sampler's support, with the
 * first training exemplar and without noise. Defined when training uses one sampler with a
 * distractor, B >= 1 and P = 2B (no rest items); otherwise its size is 0. Order: index
 *   i = ((q * (K-1) + d') * A + a) * N_lab + l
 * with q the query class, d' the distractor class among the other K-1 (d = d' < q ? d' : d'+1),
 * a the arrangement (which context positions hold q: the B-subsets of the P positions in colex
 * order; for P = 2, a = 0 puts q first) and l the labeling (pair schemes: pair index * 2 + order,
 * order 0 giving the query the pair's smaller label; NONE and FLIP: one labeling). For K = 50,
 * L = 5 this is 2 * K(K-1) * 2 * 8 = 78,400 sequences. With dense_subset = n < full size, a fixed
 * random subset of n indices (ascending, keyed by the eval seed) replaces it. */
long data_dense_size(const Data *d);      /* the set used: subset size or full size (0: none) */
long data_dense_full_size(const Data *d); /* |D| (0: none) */
/* Fills out with sequences [first, first + B) of the set used (clipped). Cannot fail. */
void data_dense_batch(const Data *d, long first, int B, DataBatch *out);
/* Index in the full dense set of sequence b of batch, or -1 if it is not a member. */
long data_dense_index(const Data *d, const DataBatch *batch, int b);

/* The probe set: n_probe sequences of the training distribution drawn once from the eval seed
 * (for tracking logits over training). Size and batches as for evaluators. */
int data_probe_size(const Data *d);
void data_probe_batch(const Data *d, int first, int B, DataBatch *out);

#endif
