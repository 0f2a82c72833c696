/* ih_suggest: the nearest name to a mistyped one (optimal string alignment distance). */
#include "ihsweep/suggest.h"

#include <ctype.h>
#include <string.h>

enum { SUGGEST_MAX_LEN = 64 };

/* Edit distance with adjacent transpositions, case-insensitive; words longer than
 * SUGGEST_MAX_LEN count as far apart. */
static int distance(const char *a, const char *b)
{
    int n = (int)strlen(a), m = (int)strlen(b);
    if (n > SUGGEST_MAX_LEN || m > SUGGEST_MAX_LEN)
        return SUGGEST_MAX_LEN;
    int d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
    for (int i = 0; i <= n; i++)
        d[i][0] = i;
    for (int j = 0; j <= m; j++)
        d[0][j] = j;
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= m; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

const char *ih_suggest(const char *word, const char *const *candidates, int n)
{
    const char *best = NULL;
    int best_d = strlen(word) <= 4 ? 2 : 3; /* a candidate must be closer than this */
    size_t len = strlen(word);
    for (int i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        /* a short word must at least start like its candidate ("x" is not a typo of "n") */
        if (len <= 4 && tolower((unsigned char)word[0]) != tolower((unsigned char)candidates[i][0]))
            continue;
        int d = distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    if (!best && len >= 3)
        for (int i = 0; i < n; i++)
            if (candidates[i] && strncmp(candidates[i], word, len) == 0)
                return candidates[i];
    return best;
}
