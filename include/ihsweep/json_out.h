/* Writing JSON text without a JSON library (modules below config/ may not use cJSON). */
#ifndef IHSWEEP_JSON_OUT_H
#define IHSWEEP_JSON_OUT_H

#include <stdio.h>

/* Writes s as a JSON string literal (quotes, backslashes and control characters escaped; UTF-8
 * passes through). Local. */
void ih_json_string(FILE *out, const char *s);

/* Writes v as a JSON number with 17 significant digits, or null when v is NaN or infinite. */
void ih_json_number(FILE *out, double v);

#endif
