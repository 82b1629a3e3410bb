/*
 * quire — the command line.  A thin user of libquire: parse arguments, call
 * the library, print diagnostics as `file:line:col: severity: message`.
 *
 * Exit status: 0 all good, 1 some documents had errors (the rest was still
 * written), 2 usage error.
 */
#include "quire/quire.h"

#include <getopt.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_DOC_ERRORS 1
#define EXIT_USAGE 2

typedef struct cli {
    const char *command;
    const char *outpath, *config, *from, *to, *formats, *base_url;
    const char **filters;
    size_t n_filters;
    bool strict, quiet, verbose, errors_json, fetch_remote, sync;
    int jobs;
    quire_limits limits;
} cli;

static void usage(FILE *out)
{
    fputs("usage: quire build [SOURCE...] [-o OUTDIR] [-c quire.yaml] [options]\n"
          "       quire convert [FILE|-] [-f FORMAT] -t FORMAT [-o FILE|-] [options]\n"
          "       quire check [SOURCE...]\n"
          "       quire formats | quire filters | quire --version\n"
          "\n"
          "build writes feed.json, rss.xml, atom.xml, book.epub, index.html with one\n"
          "page per document, and model.json into OUTDIR (default: out).\n"
          "\n"
          "options:\n"
          "  -o, --output PATH         output folder (build) or file (convert; - is stdout)\n"
          "  -c, --config FILE         site configuration (default: SOURCE/quire.yaml)\n"
          "  -f, --from FORMAT         input format (default: by content and extension)\n"
          "  -t, --to FORMAT           output format (convert)\n"
          "      --formats LIST        outputs of build, e.g. jsonfeed,rss,atom (default all)\n"
          "      --filter NAME[:k=v,...]  add a filter to the chain (repeatable, in order)\n"
          "      --base-url URL        absolute URL the site is published at\n"
          "      --strict              any error fails the build before anything is written\n"
          "      --fetch-remote        download remote images into the EPUB\n"
          "      --sync                flush the outputs to disk before exiting (build)\n"
          "      --jobs N              worker threads (default: number of cores)\n"
          "      --max-file-size BYTES  largest input file (default 16M; K, M, G suffixes)\n"
          "      --max-depth N         deepest nesting of body and metadata (default 200)\n"
          "      --max-yaml-aliases N  YAML alias expansions per document (default 1000)\n"
          "      --max-documents N     documents per build (default 1000000)\n"
          "      --errors=json         diagnostics as JSON lines on stderr\n"
          "  -q, --quiet               only errors\n"
          "  -v, --verbose             also notes, and where a build's time went\n"
          "  -h, --help                this help\n"
          "  -V, --version             version\n",
          out);
}

static void print_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void print_diags(const cli *o, const quire_diag_list *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        const quire_diag *d = &diags->items[i];
        if (o->quiet && d->severity < QUIRE_SEV_ERROR)
            continue;
        if (!o->verbose && d->severity == QUIRE_SEV_NOTE)
            continue;
        if (o->errors_json) {
            fputs("{\"severity\":", stderr);
            print_json_string(stderr, quire_severity_name(d->severity));
            fputs(",\"file\":", stderr);
            print_json_string(stderr, d->file);
            fprintf(stderr, ",\"line\":%u,\"column\":%u,\"component\":", d->line, d->column);
            print_json_string(stderr, d->component);
            fputs(",\"message\":", stderr);
            print_json_string(stderr, d->message);
            fputs("}\n", stderr);
            continue;
        }
        if (d->file && d->line)
            fprintf(stderr, "%s:%u:%u: ", d->file, d->line, d->column ? d->column : 1);
        else if (d->file)
            fprintf(stderr, "%s: ", d->file);
        else
            fputs("quire: ", stderr);
        fprintf(stderr, "%s: %s\n", quire_severity_name(d->severity), d->message);
    }
}

static int list_formats(void)
{
    void *it = NULL;
    const quire_reader *r;
    const quire_writer *w;
    puts("readers:");
    while ((r = quire_reader_next(&it)))
        printf("  %-10s %s%s (.%s)\n", r->name, r->long_name, r->read ? "" : " [unavailable]",
               r->extensions);
    puts("writers:");
    it = NULL;
    while ((w = quire_writer_next(&it)))
        printf("  %-10s %s%s -> %s\n", w->name, w->long_name, w->begin ? "" : " [unavailable]",
               w->extension);
    return 0;
}

static int list_filters(void)
{
    void *it = NULL;
    const quire_filter *f;
    while ((f = quire_filter_next(&it)))
        printf("  %-14s %s\n", f->name, f->description);
    return 0;
}

static int status_to_exit(int rc, const quire_diag_list *diags, bool strict)
{
    if (rc == QUIRE_ERR_USAGE)
        return EXIT_USAGE;
    if (rc != QUIRE_OK)
        return EXIT_DOC_ERRORS;
    if (diags->errors || (strict && diags->warnings))
        return EXIT_DOC_ERRORS;
    return 0;
}

static int cmd_build(cli *o, char **sources, int n)
{
    static const char *const default_sources[] = {"."};
    quire_build_opts bo = {
        .sources = n ? (const char *const *)sources : default_sources,
        .n_sources = n ? (size_t)n : 1,
        .outdir = o->outpath ? o->outpath : "out",
        .config_path = o->config,
        .formats = o->formats,
        .filters = o->filters,
        .n_filters = o->n_filters,
        .base_url = o->base_url,
        .strict = o->strict,
        .fetch_remote = o->fetch_remote,
        .sync = o->sync,
        .jobs = o->jobs,
        .limits = o->limits,
    };
    quire_build_stats stats;
    bo.stats = &stats;
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    int rc = quire_build(&bo, &diags);
    print_diags(o, &diags);
    if (o->verbose && !o->quiet && !o->errors_json) /* JSON lines stay JSON */
        fprintf(stderr,
                "quire: %zu documents into %s in %.3f s on %zu threads (metadata %.3f s, "
                "plan %.3f s, bodies and outputs %.3f s)\n",
                stats.documents, bo.outdir, stats.total_seconds, stats.jobs, stats.read_seconds,
                stats.plan_seconds, stats.write_seconds);
    int code = status_to_exit(rc, &diags, o->strict);
    if (rc < 0 && !diags.errors)
        fprintf(stderr, "quire: error: %s\n", quire_strerror(rc));
    quire_diag_list_free(&diags);
    return code;
}

static int cmd_check(cli *o, char **sources, int n)
{
    static const char *const default_sources[] = {"."};
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_collection *c = quire_collection_new();
    if (!c)
        return EXIT_DOC_ERRORS;
    if (o->config)
        quire_config_load(c, o->config, &diags);
    quire_limits limits = o->limits;
    quire_config_limits(c, &limits);
    int rc = quire_collection_read_paths(c, n ? (const char *const *)sources : default_sources,
                                         n ? (size_t)n : 1, NULL, &limits, &diags);
    print_diags(o, &diags);
    if (!o->quiet)
        fprintf(stderr, "quire: %zu documents, %zu errors, %zu warnings\n", c->count, diags.errors,
                diags.warnings);
    int code = status_to_exit(rc > 0 ? QUIRE_OK : rc, &diags, o->strict);
    quire_collection_free(c);
    quire_diag_list_free(&diags);
    return code;
}

static int cmd_convert(cli *o, char **args, int n)
{
    if (n > 1 || !o->to) {
        fputs("quire convert: give one input (or -) and -t FORMAT\n", stderr);
        return EXIT_USAGE;
    }
    const char *input = n ? args[0] : "-";
    const quire_writer *w = quire_writer_find(o->to);
    const quire_reader *r = o->from ? quire_reader_find(o->from) : NULL;
    if (!w || (o->from && !r)) {
        fprintf(stderr, "quire: unknown format '%s' (see `quire formats`)\n", !w ? o->to : o->from);
        return EXIT_USAGE;
    }
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_collection *c = quire_collection_new();
    quire_chain *chain = NULL;
    quire_sink *sink = NULL;
    int rc = c ? QUIRE_OK : QUIRE_ERR_NOMEM;
    if (rc == QUIRE_OK && o->config)
        rc = quire_config_load(c, o->config, &diags);
    if (rc == QUIRE_OK && o->base_url)
        quire_site_set_base_url(&c->site, o->base_url);
    quire_limits limits = o->limits;
    if (c)
        quire_config_limits(c, &limits);
    if (rc == QUIRE_OK) {
        char *data = NULL;
        size_t len = 0;
        rc = quire_read_file(input, limits.max_file_size ? limits.max_file_size : (16u << 20),
                             &data, &len);
        if (rc != QUIRE_OK)
            quire_diag_add(&diags, QUIRE_SEV_ERROR, "quire", input, 0, 0, "%s%s", quire_strerror(rc),
                           rc == QUIRE_ERR_LIMIT ? " (limits.max_file_size)" : "");
        else
            rc = quire_read_buffer(c, r, input, data, len, &limits, &diags);
        free(data);
    }
    for (size_t i = 0; rc == QUIRE_OK && i < o->n_filters; i++)
        rc = quire_chain_add_spec(&chain, o->filters[i], &diags);
    if (rc == QUIRE_OK && w->default_filters && *w->default_filters) {
        /* The writer's defaults, except those the user named: the user's
         * options for them (sanitize:raw=true) hold. */
        char *spec = strdup(w->default_filters);
        for (char *p = spec, *save = NULL, *name; rc == QUIRE_OK && (name = strtok_r(p, ",", &save));
             p = NULL) {
            size_t nl = strcspn(name, ":");
            char saved = name[nl];
            name[nl] = '\0';
            bool skip = quire_chain_contains(chain, name);
            name[nl] = saved;
            if (!skip)
                rc = quire_chain_add_spec(&chain, name, &diags);
        }
        free(spec);
    }
    if (rc == QUIRE_OK)
        rc = quire_chain_run(chain, c, &diags);
    if (rc == QUIRE_OK) {
        bool to_stdout = !o->outpath || strcmp(o->outpath, "-") == 0;
        if (to_stdout && (w->flags & QUIRE_WRITER_BINARY) && isatty(STDOUT_FILENO)) {
            fprintf(stderr, "quire: %s is binary: give -o FILE\n", w->name);
            rc = QUIRE_ERR_USAGE;
        } else {
            rc = to_stdout ? quire_sink_open_stdout(&sink) : quire_sink_open_file(&sink, o->outpath);
            if (rc != QUIRE_OK)
                quire_diag_add(&diags, QUIRE_SEV_ERROR, "quire", o->outpath, 0, 0,
                               "cannot write: %s", quire_strerror(rc));
        }
    }
    if (rc == QUIRE_OK) {
        quire_write_opts wo = {.fetch_remote = o->fetch_remote,
                               .options = quire_value_get(c->site.config, w->name)};
        rc = quire_write(c, w, sink, &wo, &diags);
        if (rc == QUIRE_OK)
            rc = quire_sink_commit(sink);
        else
            quire_sink_abort(sink);
    }
    print_diags(o, &diags);
    int code = status_to_exit(rc, &diags, o->strict);
    quire_chain_free(chain);
    quire_collection_free(c);
    quire_diag_list_free(&diags);
    return code;
}

enum { OPT_FILTER = 256, OPT_FORMATS, OPT_STRICT, OPT_JOBS, OPT_ERRORS, OPT_BASE_URL,
       OPT_FETCH, OPT_SYNC, OPT_MAX_SIZE, OPT_MAX_DEPTH, OPT_MAX_ALIASES, OPT_MAX_DOCS };

/* glibc gives a thread's heap back to the kernel as soon as 128 KB sit free
 * at its top, and takes it again with mprotect and fresh zeroed pages on
 * the next document: pass 2 allocates and frees a document's worth of
 * memory per document on every worker, so a build paid that round trip
 * about once per document per thread.  Keeping up to 64 MB per heap makes
 * a worker's heap stop at its high-water mark instead (peak memory is
 * unchanged: it is the high-water mark); blocks up to 32 MB stay on the
 * heaps rather than in their own mmap.
 *
 * Below that mark a thread's heap still grew a page or two at a time, each
 * step an mprotect (9,400 of them at 10,000 documents), which takes the
 * process' memory map lock for writing: every page fault on the other
 * threads waited meanwhile.  The top pad makes a new thread heap writable
 * 32 MB at once (address space only: pages are still touched one by one),
 * which left 23 mprotect calls and cut the build's sleeps by a quarter. */
static void tune_malloc(void)
{
#if defined(__GLIBC__)
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TOP_PAD, 32 << 20);
#endif
}

int main(int argc, char **argv)
{
    tune_malloc();
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"config", required_argument, NULL, 'c'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"filter", required_argument, NULL, OPT_FILTER},
        {"formats", required_argument, NULL, OPT_FORMATS},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"jobs", required_argument, NULL, OPT_JOBS},
        {"errors", required_argument, NULL, OPT_ERRORS},
        {"base-url", required_argument, NULL, OPT_BASE_URL},
        {"fetch-remote", no_argument, NULL, OPT_FETCH},
        {"sync", no_argument, NULL, OPT_SYNC},
        {"max-file-size", required_argument, NULL, OPT_MAX_SIZE},
        {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
        {"max-yaml-aliases", required_argument, NULL, OPT_MAX_ALIASES},
        {"max-documents", required_argument, NULL, OPT_MAX_DOCS},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    cli o = {0};
    o.filters = calloc((size_t)argc + 1, sizeof *o.filters);
    if (!o.filters)
        return EXIT_DOC_ERRORS;
    int ch;
    /* '+' : stop at the first non-option so the command comes first; then
     * options may follow the command (permuted below). */
    if (argc >= 2 && argv[1][0] != '-') {
        o.command = argv[1];
        argv++;
        argc--;
    }
    while ((ch = getopt_long(argc, argv, "o:c:f:t:qvhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o': o.outpath = optarg; break;
        case 'c': o.config = optarg; break;
        case 'f': o.from = optarg; break;
        case 't': o.to = optarg; break;
        case 'q': o.quiet = true; break;
        case 'v': o.verbose = true; break;
        case 'h': usage(stdout); free(o.filters); return 0;
        case 'V': puts("quire " QUIRE_VERSION_STRING); free(o.filters); return 0;
        case OPT_FILTER: o.filters[o.n_filters++] = optarg; break;
        case OPT_FORMATS: o.formats = optarg; break;
        case OPT_STRICT: o.strict = true; break;
        case OPT_JOBS: o.jobs = atoi(optarg); break;
        case OPT_BASE_URL: o.base_url = optarg; break;
        case OPT_FETCH: o.fetch_remote = true; break;
        case OPT_SYNC: o.sync = true; break;
        case OPT_MAX_SIZE:
        case OPT_MAX_DEPTH:
        case OPT_MAX_ALIASES:
        case OPT_MAX_DOCS: {
            size_t *field = ch == OPT_MAX_SIZE ? &o.limits.max_file_size
                          : ch == OPT_MAX_DEPTH ? &o.limits.max_depth
                          : ch == OPT_MAX_ALIASES ? &o.limits.max_yaml_aliases
                          : &o.limits.max_documents;
            /* A typo must not silently fall back to the default. */
            if (quire_limit_parse(optarg, field) != QUIRE_OK) {
                fprintf(stderr, "quire: %s: expected a positive whole number, got '%s'\n",
                        argv[optind - 1], optarg);
                free(o.filters);
                return EXIT_USAGE;
            }
            break;
        }
        case OPT_ERRORS:
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                fprintf(stderr, "quire: --errors takes json or text\n");
                free(o.filters);
                return EXIT_USAGE;
            }
            o.errors_json = strcmp(optarg, "json") == 0;
            break;
        default:
            usage(stderr);
            free(o.filters);
            return EXIT_USAGE;
        }
    }
    char **rest = argv + optind;
    int nrest = argc - optind;
    if (!o.command && nrest) {
        o.command = rest[0];
        rest++;
        nrest--;
    }
    int code;
    if (!o.command) {
        usage(stderr);
        code = EXIT_USAGE;
    } else if (!strcmp(o.command, "build")) {
        code = cmd_build(&o, rest, nrest);
    } else if (!strcmp(o.command, "convert")) {
        code = cmd_convert(&o, rest, nrest);
    } else if (!strcmp(o.command, "check")) {
        code = cmd_check(&o, rest, nrest);
    } else if (!strcmp(o.command, "formats")) {
        code = list_formats();
    } else if (!strcmp(o.command, "filters")) {
        code = list_filters();
    } else if (!strcmp(o.command, "help")) {
        usage(stdout);
        code = 0;
    } else {
        fprintf(stderr, "quire: unknown command '%s'\n", o.command);
        usage(stderr);
        code = EXIT_USAGE;
    }
    free(o.filters);
    return code;
}
