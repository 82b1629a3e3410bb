/*
 * ftest.h — a tiny harness for the filter tests: run one filter the way the
 * chain does (zeroed priv, init, run, uninit) with options written as on the
 * command line ("k=v,k2=v2"), and compare exact results.
 */
#ifndef QUIRE_FTEST_H
#define QUIRE_FTEST_H

#include "quire/quire.h"

extern int ft_failures;
extern int ft_checks;

/** Run filter `name` with options `spec` (NULL: none) on one document.
 *  site may be NULL.  Diagnostics go to diags (may be NULL). */
int ft_run_doc(const char *name, const char *spec, const quire_site *site,
               quire_document *doc, quire_diag_list *diags);
/** Run a COLLECTION filter on c. */
int ft_run_coll(const char *name, const char *spec, quire_collection *c,
                quire_diag_list *diags);
/** Only init (and uninit) the filter: for option errors. */
int ft_init(const char *name, const char *spec, quire_diag_list *diags);

/** A document with the given title, source path and id (any may be NULL). */
quire_document *ft_doc(const char *title, const char *path, const char *id);
/** A ROOT body with one PARAGRAPH holding a TEXT node, for quick documents. */
quire_node *ft_para(quire_document *doc, quire_node *parent, const char *text);

void ft_check(bool ok, const char *file, int line, const char *what);
void ft_check_str(const char *got, const char *want, const char *file, int line,
                  const char *what);
void ft_check_long(long got, long want, const char *file, int line, const char *what);
/** Exit status for main(): prints a summary. */
int ft_done(const char *prog);

#define CHECK(c) ft_check((c), __FILE__, __LINE__, #c)
#define CHECK_STR(got, want) ft_check_str((got), (want), __FILE__, __LINE__, #got)
#define CHECK_INT(got, want) ft_check_long((long)(got), (long)(want), __FILE__, __LINE__, #got)

#endif
