/* Rows of `ihsweep export` (src/analysis/export.c builds them) and the netCDF-4 writer that
 * collects them into columns (src/analysis/export_nc.c). Only for those two files.
 */
#ifndef IHSWEEP_ANALYSIS_EXPORT_INTERNAL_H
#define IHSWEEP_ANALYSIS_EXPORT_INTERNAL_H

enum { CELL_NULL = 0, CELL_NUMBER, CELL_STRING };
/* A column's type, fixed by the code that adds the cell (also for a missing value). */
enum { CELL_TYPE_F64 = 0, CELL_TYPE_I64, CELL_TYPE_STRING };

typedef struct {
    const char *name; /* borrowed */
    int kind;
    int type;
    const char *str; /* CELL_STRING: borrowed, valid until the export ends */
    char num[40];    /* CELL_NUMBER: formatted (the CSV text) */
} Cell;

enum { MAX_CELLS = 512 };
typedef struct {
    int n;
    Cell c[MAX_CELLS];
} Row;

/* Rows collected as columns (the first row fixes the columns). */
typedef struct ExportColumns ExportColumns;

/* Appends row to *t (created on the first call; free with analysis__columns_free). The values
 * are the cells' CSV texts read back, so the file holds what the CSV shows. Errors: IH_ENOMEM,
 * IH_EINTERNAL (a row whose columns differ from the first's). Local. */
int analysis__columns_add(ExportColumns **t, const Row *row);

/* Writes the columns (none: an empty table) as a netCDF-4 file at path over dimension dim, with
 * units and descriptions from the result tables where a column is one of their fields. Errors:
 * those of results_table_file_write, IH_ENOMEM. Local. */
int analysis__columns_write_nc(const ExportColumns *t, const char *path, const char *dim,
                               const char *title);

void analysis__columns_free(ExportColumns **t);

#endif
