/* "Did you mean ...": the nearest valid name to a mistyped one, for error messages. */
#ifndef IHSWEEP_SUGGEST_H
#define IHSWEEP_SUGGEST_H

/* The candidate closest to word by edit distance (insertions, deletions, substitutions and
 * transpositions of adjacent characters, case-insensitive), or NULL when none is close: at most 2
 * edits, or 1 for words of up to 4 characters (which must also share the first character), or a
 * candidate that word is a prefix of (at least 3 characters). Borrowed from candidates. Local;
 * cannot fail. */
const char *ih_suggest(const char *word, const char *const *candidates, int n);

#endif
