/*
 * io.c — atomic output files, the output folder (and its manifest of what
 * quire wrote there), reading input files.
 *
 * A file sink writes "DIR/.NAME.XXXXXX" (same folder, so rename() is atomic)
 * and renames it over NAME on commit.  A build killed at any moment leaves
 * either the old file or the new one, never a mix.  The temporary is made
 * with open(O_CREAT|O_EXCL, 0666), so the umask applies as for any file the
 * user creates, and written with write(2) from a buffer of the sink's own
 * (no stdio: that costs an fcntl, an fstat and 4 KiB writes per file).
 * Per output file: open, write (once for most), close, rename.
 *
 * In the background (quire_outdir_background), an outdir's sinks do the
 * same on a thread of the folder's own (bgq.c): the caller's writes are
 * copied into jobs, and the temporary file is made, written, closed and
 * renamed there, in order.  Commit then only says the bytes were taken;
 * what failed on that thread is reported by quire_outdir_flush.
 *
 * No fsync per file: a killed process cannot lose what is already in the page
 * cache, and rename() gives the atomicity the build promises.  Durability
 * against power loss would cost one disk flush per output file (thousands
 * for a site: measured 5x the whole build's CPU time), so it is left to the
 * deployment, or to `quire build --sync` (quire_outdir_sync: one syncfs).
 */
#define _GNU_SOURCE /* syncfs */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

typedef enum { SINK_FILE, SINK_STDOUT, SINK_MEMORY } sink_kind;

/* File sinks keep up to this many bytes before a write(2): most outputs
 * (pages, feeds) are smaller and go out in one write at commit. */
#define SINK_BUF (64u * 1024u)

/* A write at least this big goes out at once, after what the sink holds
 * (one writev): a page handed over whole (the usual case) is then written
 * without being copied into a 64 KiB buffer malloc'd for it alone, and a
 * feed item copied into many open per-tag feeds touches none of their
 * buffers.  Those buffers are what the small pieces between items fill:
 * with 180 per-tag feed files open at once, copying the items into them
 * made 11 MB of fresh pages (2,800 page faults) in a 100-document build. */
#define SINK_DIRECT (4u * 1024u)

struct quire_sink {
    sink_kind kind;
    FILE *fp;       /* SINK_STDOUT */
    int fd;         /* SINK_FILE: the temporary file, -1 once closed */
    char *hold;     /* SINK_FILE: SINK_BUF bytes (malloc'd at the first write) */
    size_t held;    /* bytes in hold, not written yet */
    char *path, *tmp_path;
    quire_buf mem;  /* SINK_MEMORY: the bytes */
    size_t size;
    bool failed;
    bool no_fsync;  /* outdir sinks: the outdir syncs the whole file system once */
    /* Sinks of an outdir in the background: their file system calls run on
     * bg's thread.  The caller's thread owns hold, held, size, failed and
     * pending; that thread owns fd, tmp_path and io_rc, and frees the
     * sink after its commit or abort. */
    quire_outdir *bg;
    struct sink_ref *refs;   /* shared bytes gathered, not queued yet (SINK_REFS) */
    int n_refs;
    size_t ref_bytes;        /* their bytes */
    struct sink_op *pending; /* a big write not queued yet: a commit may join it */
    size_t rel_off;          /* path + rel_off: the path in the outdir */
    size_t mkdir_at;         /* non-zero: path's folders from the '/' here on are
                              * still to make (a deferred folder, outdir_sink) */
    int io_rc;               /* the first failure on bg's thread */
};

/* Shared bytes a background sink gathers (quire__sink_write_bytes): b's
 * bytes go out after the first `at` bytes of what the sink held with
 * them.  A feed item in a dozen open feed files, or a page, is then
 * written from the one block every holder shares, in the same writev as
 * the small pieces around it. */
typedef struct sink_ref {
    size_t at;
    struct quire__bytes *b;
} sink_ref;

/* Most references one job gathers (a writev of at most 2 * SINK_REFS + 1
 * pieces, far under IOV_MAX). */
#define SINK_REFS 32

/* Shared blocks smaller than this are copied like any write: a reference
 * and its piece of the writev cost more than the copy. */
#define SINK_REF_MIN 256u

/* What a background sink asks of bg's thread: write data[0..len) with
 * the references' bytes spliced in, then (end) commit or abort. */
enum { OP_WRITE, OP_COMMIT, OP_ABORT };
typedef struct sink_op {
    quire__bgq_job job;
    quire_sink *s;
    int end;
    int n_refs;
    size_t len;
    sink_ref *refs; /* in the job's own allocation; the job holds a reference to each */
    char *data;     /* in the job's own allocation */
} sink_op;

/* ------------------------------------------------------------ shared bytes */

struct quire__bytes {
    _Atomic size_t refs;
    size_t len;
    char *data; /* malloc'd: freed with the last reference */
};

quire__bytes *quire__bytes_adopt(char *data, size_t len)
{
    quire__bytes *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->len = len;
    b->data = data;
    return b;
}

quire__bytes *quire__bytes_copy(const void *data, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return NULL;
    memcpy(copy, data, len);
    quire__bytes *b = quire__bytes_adopt(copy, len);
    if (!b)
        free(copy);
    return b;
}

const char *quire__bytes_data(const quire__bytes *b, size_t *len)
{
    *len = b->len;
    return b->data;
}

static quire__bytes *bytes_ref(quire__bytes *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void quire__bytes_unref(quire__bytes *b)
{
    /* acq_rel: the thread that frees sees every other holder's reads done */
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
        free(b->data);
        free(b);
    }
}

static char *path_join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = malloc(na + nb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, na);
    size_t k = na;
    if (na && a[na - 1] != '/')
        p[k++] = '/';
    memcpy(p + k, b, nb + 1);
    return p;
}

/* Temporary names: a per-process seed (taken once, without a system call)
 * and a counter shared by all threads, scrambled into the six characters
 * of ".NAME.XXXXXX".  Uniqueness comes from O_EXCL (a taken name is skipped),
 * not from the scrambling, which only keeps retries rare. */
static pthread_once_t tmp_once = PTHREAD_ONCE_INIT;
static uint64_t tmp_seed;
static _Atomic uint64_t tmp_counter;

static uint64_t mix64(uint64_t x)
{
    /* splitmix64's finalizer */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void tmp_seed_init(void)
{
    struct timespec ts = {0};
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec;
    x ^= (uint64_t)(uintptr_t)&ts << 17; /* differs between processes (ASLR) */
    tmp_seed = mix64(x);
}

/* Fills the last six characters of tmp (".NAME.XXXXXX") with a fresh name. */
static void tmp_name(char *six)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    pthread_once(&tmp_once, tmp_seed_init);
    uint64_t x = mix64(tmp_seed + 0x9e3779b97f4a7c15ull * ++tmp_counter);
    for (int i = 0; i < 6; i++) {
        six[i] = chars[x % 62];
        x /= 62;
    }
}

/* Creates "DIR/.NAME.XXXXXX" for path, writable, mode 0666 less the umask
 * (applied by open(2) itself, so published files are readable as any other
 * file the user creates: no umask() or fchmod() per file). */
static int tmp_create(quire_sink *s, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    size_t base_len = strlen(base);
    size_t tlen = dir_len + 1 + base_len + 1 + 6;
    s->tmp_path = malloc(tlen + 1);
    if (!s->tmp_path)
        return QUIRE_ERR_NOMEM;
    char *q = s->tmp_path;
    memcpy(q, path, dir_len);
    q += dir_len;
    *q++ = '.';
    memcpy(q, base, base_len);
    q += base_len;
    *q++ = '.';
    q[6] = '\0';
    for (int attempt = 0; attempt < 100; attempt++) {
        tmp_name(q);
        s->fd = open(s->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (s->fd >= 0)
            return QUIRE_OK;
        if (errno != EEXIST && errno != EINTR)
            break;
    }
    free(s->tmp_path);
    s->tmp_path = NULL; /* nothing to remove */
    return QUIRE_ERR_IO;
}

/* A file sink for path; its temporary is made now unless bg's thread
 * makes it. */
static int sink_open_file_on(quire_sink **out, const char *path, quire_outdir *bg)
{
    *out = NULL;
    quire_sink *s = calloc(1, sizeof *s);
    if (!s)
        return QUIRE_ERR_NOMEM;
    s->kind = SINK_FILE;
    s->fd = -1;
    s->bg = bg;
    s->path = strdup(path);
    int rc = !s->path ? QUIRE_ERR_NOMEM : bg ? QUIRE_OK : tmp_create(s, path);
    if (rc != QUIRE_OK) {
        quire_sink_abort(s);
        return rc;
    }
    *out = s;
    return QUIRE_OK;
}

int quire_sink_open_file(quire_sink **out, const char *path)
{
    return sink_open_file_on(out, path, NULL);
}

int quire_sink_open_stdout(quire_sink **out)
{
    quire_sink *s = calloc(1, sizeof *s);
    if (!s)
        return QUIRE_ERR_NOMEM;
    s->kind = SINK_STDOUT;
    s->fd = -1;
    s->fp = stdout;
    *out = s;
    return QUIRE_OK;
}

int quire_sink_open_memory(quire_sink **out)
{
    quire_sink *s = calloc(1, sizeof *s);
    if (!s)
        return QUIRE_ERR_NOMEM;
    s->kind = SINK_MEMORY;
    s->fd = -1;
    *out = s;
    return QUIRE_OK;
}

/* writev(2) of all of v[0..n), across short writes and signals (v is
 * used up). */
static bool writev_all(int fd, struct iovec *v, int n)
{
    while (n && !v->iov_len)
        v++, n--;
    while (n) {
        ssize_t w = writev(fd, v, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        size_t done = (size_t)w;
        while (n && done >= v->iov_len) {
            done -= v->iov_len;
            v++, n--;
        }
        if (n) {
            v->iov_base = (char *)v->iov_base + done;
            v->iov_len -= done;
        }
        while (n && !v->iov_len)
            v++, n--;
    }
    return true;
}

/* write(2) of a then b, in one writev when the file takes both whole. */
static bool write_pair(int fd, const char *a, size_t alen, const char *b, size_t blen)
{
    struct iovec v[2] = {{(void *)a, alen}, {(void *)b, blen}};
    return writev_all(fd, v, 2);
}

/* write(2) all of data[0..len), across short writes and signals. */
static bool write_all(int fd, const char *data, size_t len)
{
    return write_pair(fd, data, len, NULL, 0);
}

/* Writes what a file sink holds back. */
static bool sink_drain(quire_sink *s)
{
    bool ok = write_all(s->fd, s->hold, s->held);
    s->held = 0;
    return ok;
}

static void sink_free(quire_sink *s);
static int tmp_create(quire_sink *s, const char *path);
static void outdir_failed(quire_outdir *d, const char *rel, int rc);
static quire__bgq *outdir_queue(const quire_outdir *d);
static bool outdir_folder_done(quire_outdir *d, const char *rel, bool add);

/* Closes a file sink's temporary and renames it into place (keep), or
 * removes it; the result of the commit. */
static int file_finish(quire_sink *s, bool keep)
{
    int rc = keep ? QUIRE_OK : QUIRE_ERR_IO;
    if (s->fd >= 0) {
        if (keep && !s->no_fsync && fsync(s->fd) != 0)
            rc = QUIRE_ERR_IO;
        if (close(s->fd) != 0)
            rc = QUIRE_ERR_IO;
        s->fd = -1;
    }
    if (rc == QUIRE_OK && rename(s->tmp_path, s->path) != 0)
        rc = QUIRE_ERR_IO;
    if (rc != QUIRE_OK && s->tmp_path)
        unlink(s->tmp_path);
    return rc;
}

/* Writes glue[0..len) with the refs' bytes spliced in at their offsets,
 * then tail[0..tail_len), in one writev when the file takes it whole. */
static bool write_gathered(int fd, const char *glue, size_t len, const sink_ref *refs, int n_refs,
                           const char *tail, size_t tail_len)
{
    struct iovec v[2 * SINK_REFS + 2];
    int k = 0;
    size_t at = 0;
    for (int i = 0; i < n_refs; i++) {
        if (refs[i].at > at)
            v[k++] = (struct iovec){(void *)(glue + at), refs[i].at - at};
        at = refs[i].at;
        v[k++] = (struct iovec){refs[i].b->data, refs[i].b->len};
    }
    if (len > at)
        v[k++] = (struct iovec){(void *)(glue + at), len - at};
    if (tail_len)
        v[k++] = (struct iovec){(void *)tail, tail_len};
    return writev_all(fd, v, k);
}

static void refs_drop(sink_ref *refs, int n)
{
    for (int i = 0; i < n; i++)
        quire__bytes_unref(refs[i].b);
}

/* Makes the folders of s->path that were deferred (see mkdir_at), on
 * bg's thread.  Another sink's job may make the same folder at the same
 * time: one that exists is fine when it is a folder, not a symlink.  A
 * folder a job has made or checked is not tried again (dirs_done, under
 * the outdir's lock): most files go into folders made already (tags/,
 * media/), and a mkdir that fails with EEXIST plus the lstat cost two
 * system calls each time. */
static int sink_make_folders(const quire_sink *s)
{
    quire_outdir *d = s->bg;
    char *path = strdup(s->path);
    if (!path)
        return QUIRE_ERR_NOMEM;
    const char *rel = path + s->rel_off;
    int rc = QUIRE_OK;
    for (char *q = path + s->mkdir_at; rc == QUIRE_OK && q; q = strchr(q + 1, '/')) {
        *q = '\0';
        bool done = outdir_folder_done(d, rel, false);
        struct stat st;
        if (!done && mkdir(path, 0777) != 0) {
            if (errno != EEXIST || lstat(path, &st) != 0)
                rc = QUIRE_ERR_IO;
            else if (!S_ISDIR(st.st_mode))
                rc = QUIRE_ERR_UNSAFE;
        }
        if (!done && rc == QUIRE_OK)
            outdir_folder_done(d, rel, true);
        *q = '/';
    }
    free(path);
    return rc;
}

/* A background sink's file system work, on bg's thread (or on the
 * caller's, once the queue is empty, when a job could not be allocated):
 * the gathered bytes (see write_gathered) are written, then the sink ends
 * as end says.  The temporary is made at the first job, so a sink costs
 * no system call where it is opened. */
static void sink_io(quire_sink *s, const char *glue, size_t len, const sink_ref *refs, int n_refs,
                    const char *tail, size_t tail_len, int end)
{
    if (s->io_rc == QUIRE_OK && s->fd < 0 && end != OP_ABORT) {
        if (s->mkdir_at)
            s->io_rc = sink_make_folders(s);
        if (s->io_rc == QUIRE_OK)
            s->io_rc = tmp_create(s, s->path);
    }
    if (s->io_rc == QUIRE_OK && (len || n_refs || tail_len) &&
        !write_gathered(s->fd, glue, len, refs, n_refs, tail, tail_len))
        s->io_rc = QUIRE_ERR_IO;
    if (end == OP_WRITE)
        return;
    int rc = file_finish(s, end == OP_COMMIT && s->io_rc == QUIRE_OK);
    if (end == OP_COMMIT && rc != QUIRE_OK)
        outdir_failed(s->bg, s->path + s->rel_off, s->io_rc != QUIRE_OK ? s->io_rc : rc);
    sink_free(s);
}

static void sink_op_free(sink_op *op)
{
    if (op)
        refs_drop(op->refs, op->n_refs);
    free(op);
}

static void sink_op_run(quire__bgq_job *job)
{
    sink_op *op = (sink_op *)job;
    sink_io(op->s, op->data, op->len, op->refs, op->n_refs, NULL, 0, op->end);
    sink_op_free(op);
}

/* A job of what the sink holds and gathered, then extra[0..extra_len)
 * (copied), queued later (see pending).  The job takes over the sink's
 * references; the sink is left empty.  NULL without memory (the sink is
 * left as it was). */
static sink_op *sink_op_new(quire_sink *s, const char *extra, size_t extra_len)
{
    size_t len = s->held + extra_len;
    size_t refs_size = (size_t)s->n_refs * sizeof(sink_ref);
    if (len < extra_len || len > SIZE_MAX - sizeof(sink_op) - refs_size)
        return NULL;
    sink_op *op = malloc(sizeof *op + refs_size + len);
    if (!op)
        return NULL;
    /* what the job keeps alive, shared bytes included */
    op->job.cost = sizeof *op + refs_size + len + s->ref_bytes;
    op->job.key = s; /* a file's jobs one at a time, in order */
    op->job.run = sink_op_run;
    op->s = s;
    op->end = OP_WRITE;
    op->n_refs = s->n_refs;
    op->len = len;
    op->refs = (sink_ref *)(op + 1);
    op->data = (char *)(op->refs + s->n_refs);
    if (refs_size)
        memcpy(op->refs, s->refs, refs_size);
    if (s->held)
        memcpy(op->data, s->hold, s->held);
    if (extra_len)
        memcpy(op->data + s->held, extra, extra_len);
    s->held = 0;
    s->n_refs = 0;
    s->ref_bytes = 0;
    return op;
}

/* Queues the sink's pending job, if any.  When that job ends the sink,
 * the sink may be freed before the push returns: nothing touches it after. */
static void sink_push_pending(quire_sink *s)
{
    sink_op *op = s->pending;
    s->pending = NULL;
    if (op)
        quire__bgq_push(outdir_queue(s->bg), &op->job);
}

/* Hands what the sink holds and gathered, then extra (and the end), to
 * bg's thread, after every job the sink queued before.  Without memory
 * for a job, the caller's thread does the work itself once the queue is
 * empty: nothing is lost but time. */
static void sink_send(quire_sink *s, const char *extra, size_t extra_len, int end)
{
    sink_push_pending(s);
    sink_op *op = sink_op_new(s, extra, extra_len);
    if (!op) {
        quire__bgq_wait(outdir_queue(s->bg));
        int n = s->n_refs;
        size_t held = s->held;
        s->n_refs = 0;
        s->ref_bytes = 0;
        s->held = 0;
        /* sink_io may free s (an end): what it needs is copied out first */
        sink_ref refs[SINK_REFS];
        memcpy(refs, s->refs, (size_t)n * sizeof *refs);
        sink_io(s, s->hold, held, refs, n, extra, extra_len, end);
        refs_drop(refs, n);
        return;
    }
    op->end = end;
    if (end == OP_WRITE)
        s->pending = op; /* queued at the sink's next call, with its end when that is one */
    else
        quire__bgq_push(outdir_queue(s->bg), &op->job);
}

/* A background sink's write: small pieces gather in hold; a big one (or
 * one that does not fit) goes out with what the sink has, as one job. */
static void sink_write_bg(quire_sink *s, const void *data, size_t len)
{
    if (len < SINK_DIRECT && !s->hold)
        s->hold = malloc(SINK_BUF);
    size_t kept = s->held + s->ref_bytes; /* at most SINK_BUF but briefly */
    if (len < SINK_DIRECT && s->hold && kept <= SINK_BUF && len <= SINK_BUF - kept) {
        memcpy(s->hold + s->held, data, len);
        s->held += len;
        return;
    }
    sink_send(s, data, len, OP_WRITE);
}

/* A background sink's commit or abort: what is pending takes the end
 * when nothing was held back or gathered since (a page written whole is
 * one job). */
static void sink_end_bg(quire_sink *s, int end)
{
    if (end == OP_ABORT) {
        sink_op_free(s->pending);
        s->pending = NULL;
        s->held = 0;
        refs_drop(s->refs, s->n_refs);
        s->n_refs = 0;
        s->ref_bytes = 0;
    }
    if (s->pending && !s->held && !s->n_refs) {
        s->pending->end = end;
        sink_push_pending(s);
        return;
    }
    sink_send(s, NULL, 0, end);
}

int quire__sink_write_bytes(quire_sink *s, quire__bytes *b)
{
    /* Only a background file sink defers its writes, so only it can keep
     * a reference; a small block is copied like any write. */
    if (s->kind != SINK_FILE || !s->bg || b->len < SINK_REF_MIN || s->failed)
        return quire_sink_write(s, b->data, b->len);
    if (!s->refs && !(s->refs = malloc(SINK_REFS * sizeof *s->refs)))
        return quire_sink_write(s, b->data, b->len);
    if (s->n_refs == SINK_REFS)
        sink_send(s, NULL, 0, OP_WRITE);
    s->refs[s->n_refs++] = (sink_ref){s->held, bytes_ref(b)};
    s->ref_bytes += b->len;
    s->size += b->len;
    /* Past the hold's size, what is gathered goes out: a sink keeps no
     * more than about SINK_BUF alive. */
    if (s->held + s->ref_bytes >= SINK_BUF)
        sink_send(s, NULL, 0, OP_WRITE);
    return QUIRE_OK;
}

int quire_sink_write(quire_sink *s, const void *data, size_t len)
{
    if (s->failed)
        return QUIRE_ERR_IO;
    if (!len)
        return QUIRE_OK;
    switch (s->kind) {
    case SINK_MEMORY:
        quire__buf_put(&s->mem, data, len);
        if (s->mem.oom) {
            s->failed = true;
            return QUIRE_ERR_NOMEM;
        }
        break;
    case SINK_FILE:
        if (s->bg) {
            sink_write_bg(s, data, len);
            break;
        }
        if (len < SINK_DIRECT && !s->hold)
            s->hold = malloc(SINK_BUF); /* without it, every write goes out at once */
        if (len < SINK_DIRECT && s->hold && len <= SINK_BUF - s->held) {
            memcpy(s->hold + s->held, data, len);
            s->held += len;
            break;
        }
        /* Big writes (a page, a feed item, a model.json document) go
         * straight out after what was held back, without a copy. */
        if (!write_pair(s->fd, s->hold, s->held, data, len)) {
            s->held = 0;
            s->failed = true;
            return QUIRE_ERR_IO;
        }
        s->held = 0;
        break;
    case SINK_STDOUT:
        if (fwrite(data, 1, len, s->fp) != len) {
            s->failed = true;
            return QUIRE_ERR_IO;
        }
        break;
    }
    s->size += len;
    return QUIRE_OK;
}

int quire_sink_puts(quire_sink *s, const char *str)
{
    return quire_sink_write(s, str, strlen(str));
}

int quire_sink_printf(quire_sink *s, const char *fmt, ...)
{
    quire_buf b;
    quire__buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    quire__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = b.oom ? QUIRE_ERR_NOMEM : quire_sink_write(s, b.data, b.len);
    quire__buf_free(&b);
    return rc;
}

size_t quire_sink_size(const quire_sink *s)
{
    return s->size;
}

const char *quire_sink_data(const quire_sink *s, size_t *len)
{
    if (len)
        *len = s->kind == SINK_MEMORY ? s->mem.len : 0;
    return s->kind == SINK_MEMORY ? (s->mem.data ? s->mem.data : "") : NULL;
}

const char *quire_sink_path(const quire_sink *s)
{
    return s->kind == SINK_FILE ? s->path : NULL;
}

static void sink_free(quire_sink *s)
{
    quire__buf_free(&s->mem);
    free(s->hold);
    free(s->refs);
    free(s->path);
    free(s->tmp_path);
    free(s);
}

int quire_sink_commit(quire_sink *s)
{
    return quire_sink_commit_memory(s, NULL, NULL);
}

int quire_sink_commit_memory(quire_sink *s, char **data_out, size_t *len_out)
{
    int rc = QUIRE_OK;
    if (!s)
        return QUIRE_ERR_USAGE;
    switch (s->kind) {
    case SINK_MEMORY:
        if (data_out)
            *data_out = quire__buf_detach(&s->mem, len_out);
        rc = s->failed ? QUIRE_ERR_NOMEM : QUIRE_OK;
        break;
    case SINK_STDOUT:
        if (fflush(stdout) != 0 || s->failed)
            rc = QUIRE_ERR_IO;
        break;
    case SINK_FILE:
        if (s->bg) {
            /* bg's thread frees the sink; failures from there on are
             * reported by quire_outdir_flush. */
            sink_end_bg(s, OP_COMMIT);
            return QUIRE_OK;
        }
        rc = file_finish(s, !s->failed && sink_drain(s));
        break;
    }
    sink_free(s);
    return rc;
}

void quire_sink_abort(quire_sink *s)
{
    if (!s)
        return;
    if (s->kind == SINK_FILE && s->bg) {
        sink_end_bg(s, OP_ABORT);
        return;
    }
    if (s->kind == SINK_FILE) {
        if (s->fd >= 0)
            close(s->fd);
        if (s->tmp_path)
            unlink(s->tmp_path);
    }
    sink_free(s);
}

/* ------------------------------------------------------------------ outdir */

/*
 * The manifest, OUTDIR/.quire-manifest, lists every path (relative to
 * OUTDIR, one per line) that quire has written there.  It is what lets a
 * build replace its own previous outputs and refuse to touch anything else:
 * an existing file that is not listed is someone else's, and quire_outdir_sink
 * fails with QUIRE_ERR_EXISTS instead of overwriting it.  Nothing is ever
 * deleted except quire's own temporary files.
 *
 * A path is appended (one write(2) on an O_APPEND descriptor) *before* its
 * temporary file is created, so a build killed at any moment never leaves an
 * output of its own that the manifest does not claim; the next build's
 * quire_outdir_open rewrites the manifest compacted (sorted, unique) and
 * removes stale temporaries ".NAME.XXXXXX" of listed names left by a killed
 * build.  Only lines ending in '\n' count: a line cut by a kill is ignored.
 * An flock on the manifest keeps two builds out of one folder at once.
 */
#define MANIFEST_NAME ".quire-manifest"
#define MANIFEST_HEADER "# quire manifest: files quire wrote here (one per line); do not edit\n"

struct quire_outdir {
    char *path;
    int manifest_fd;          /* O_APPEND, flock'ed; -1 when closed */
    quire_slugset *owned;     /* paths in the manifest */
    char **list;              /* the same paths, for compaction and the sweep */
    size_t count, cap;
    pthread_mutex_t lock;     /* sinks may be opened from several threads */
    /* Folders (relative paths) this build has found plain or created, so
     * that each is checked once per build, not once per file in it; and
     * of those, the ones this build's own mkdir created (nothing else can
     * be in them, so their subfolders are made without an lstat first).
     * Under lock.  A cache only: a folder missing from it is checked. */
    quire_slugset *dirs_plain, *dirs_made;
    /* In the background, a new folder inside one this build made is not
     * made at once: the first job of each sink in it makes it (see
     * sink_make_folders), so folder creation runs on the folder's thread
     * too.  Those folders are in dirs_plain and dirs_made as well. */
    quire_slugset *dirs_deferred;
    quire_slugset *dirs_done; /* deferred folders a job has made or found plain */
    bool root_made;           /* quire_outdir_open created the folder itself */
    /* In the background: the queue its sinks' file system work runs on,
     * and what failed there (under lock), for quire_outdir_flush. */
    quire__bgq *bg;
    struct outdir_failure {
        char *rel;
        int rc;
    } *fails;
    size_t n_fails, cap_fails;
    bool fails_oom;           /* a failure could not be recorded */
};

/* What queued jobs may hold at most: the main thread waits for the
 * folder's thread beyond it, so memory stays bounded when writing is
 * slower than rendering. */
#define OUTDIR_BG_BUDGET (2u * 1024u * 1024u)

static quire__bgq *outdir_queue(const quire_outdir *d)
{
    return d->bg;
}

/* Whether a job has made or checked the deferred folder rel (add: it
 * just did).  Out of memory only loses the record: the folder is tried
 * again. */
static bool outdir_folder_done(quire_outdir *d, const char *rel, bool add)
{
    pthread_mutex_lock(&d->lock);
    bool done = add ? quire__slugset_add(d->dirs_done, rel) == QUIRE_OK
                    : quire__slugset_has(d->dirs_done, rel);
    pthread_mutex_unlock(&d->lock);
    return done;
}

/* Called on the folder's thread. */
static void outdir_failed(quire_outdir *d, const char *rel, int rc)
{
    pthread_mutex_lock(&d->lock);
    if (d->n_fails == d->cap_fails) {
        size_t cap = d->cap_fails ? d->cap_fails * 2 : 8;
        struct outdir_failure *f = realloc(d->fails, cap * sizeof *f);
        if (f) {
            d->fails = f;
            d->cap_fails = cap;
        }
    }
    char *copy = d->n_fails < d->cap_fails ? strdup(rel) : NULL;
    if (copy)
        d->fails[d->n_fails++] = (struct outdir_failure){copy, rc};
    else
        d->fails_oom = true;
    pthread_mutex_unlock(&d->lock);
}

int quire_outdir_background(quire_outdir *d)
{
    if (d->bg)
        return QUIRE_OK;
    return quire__bgq_start(&d->bg, OUTDIR_BG_BUDGET);
}

static int failure_cmp(const void *a, const void *b)
{
    return strcmp(((const struct outdir_failure *)a)->rel, ((const struct outdir_failure *)b)->rel);
}

size_t quire_outdir_flush(quire_outdir *d, quire_outdir_report_fn report, void *arg)
{
    if (!d || !d->bg)
        return 0;
    quire__bgq_wait(d->bg);
    pthread_mutex_lock(&d->lock);
    /* By path: several threads commit, so the order they failed in is
     * not the same from one build to the next. */
    if (d->n_fails > 1)
        qsort(d->fails, d->n_fails, sizeof *d->fails, failure_cmp);
    size_t n = d->n_fails;
    for (size_t i = 0; i < d->n_fails; i++) {
        if (report)
            report(arg, d->fails[i].rel, d->fails[i].rc);
        free(d->fails[i].rel);
    }
    d->n_fails = 0;
    if (d->fails_oom) {
        if (report)
            report(arg, NULL, QUIRE_ERR_NOMEM);
        n++;
        d->fails_oom = false;
    }
    pthread_mutex_unlock(&d->lock);
    return n;
}

/* *made: the last mkdir (of path itself) created it. */
static int mkdir_p(const char *path, bool *made)
{
    *made = false;
    char *p = strdup(path);
    if (!p)
        return QUIRE_ERR_NOMEM;
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return QUIRE_ERR_IO;
        }
        *q = '/';
    }
    *made = mkdir(p, 0777) == 0;
    int rc = (!*made && errno != EEXIST) ? QUIRE_ERR_IO : QUIRE_OK;
    free(p);
    return rc;
}

static int owned_add(quire_outdir *d, const char *rel)
{
    if (quire__slugset_has(d->owned, rel))
        return QUIRE_OK;
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        char **n = realloc(d->list, cap * sizeof *n);
        if (!n)
            return QUIRE_ERR_NOMEM;
        d->list = n;
        d->cap = cap;
    }
    char *copy = strdup(rel);
    if (!copy || quire__slugset_add(d->owned, rel) != QUIRE_OK) {
        free(copy);
        return QUIRE_ERR_NOMEM;
    }
    d->list[d->count++] = copy;
    return QUIRE_OK;
}

static int manifest_load(quire_outdir *d, const char *mpath)
{
    int fd = open(mpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? QUIRE_OK : errno == ELOOP ? QUIRE_ERR_UNSAFE : QUIRE_ERR_IO;
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        close(fd);
        return QUIRE_ERR_IO;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = QUIRE_OK;
    while (rc == QUIRE_OK && (n = getline(&line, &cap, fp)) > 0) {
        if (line[n - 1] != '\n')
            break; /* cut by a kill in the middle of an append */
        line[n - 1] = '\0';
        /* Unsafe lines (a hand-edited manifest) are dropped: the manifest
         * can never widen where quire writes, only what it replaces. */
        if (line[0] != '#' && (size_t)(n - 1) == strlen(line) && quire_path_is_safe(line))
            rc = owned_add(d, line);
    }
    free(line);
    fclose(fp);
    return rc;
}

/* True when no segment of the folder part of rel (under base) is a symlink
 * or a non-folder: the sweep must not wander out of the output folder. */
static bool dir_chain_is_plain(const char *base, const char *dir)
{
    char *full = path_join(base, dir);
    bool ok = full != NULL;
    for (char *q = full ? full + strlen(base) + 1 : NULL; ok; q++) {
        if (*q != '/' && *q != '\0')
            continue;
        char c = *q;
        *q = '\0';
        struct stat st;
        ok = lstat(full, &st) == 0 && S_ISDIR(st.st_mode);
        *q = c;
        if (!c)
            break;
    }
    free(full);
    return ok;
}

/* Remove ".NAME.XXXXXX" temporaries of listed names (a killed build's), in
 * every folder that holds a listed name, and the manifest's own. */
static void sweep_stale_temps(quire_outdir *d)
{
    quire_slugset *dirs = quire__slugset_new();
    if (!dirs)
        return;
    for (size_t i = 0; i <= d->count; i++) {
        char *dir;
        if (i == d->count) {
            dir = strdup("");
        } else {
            const char *slash = strrchr(d->list[i], '/');
            dir = strndup(d->list[i], slash ? (size_t)(slash - d->list[i]) : 0);
        }
        if (!dir)
            break;
        if (quire__slugset_has(dirs, dir) || quire__slugset_add(dirs, dir) != QUIRE_OK ||
            (*dir && !dir_chain_is_plain(d->path, dir))) {
            free(dir);
            continue;
        }
        /* Checked now: the outputs written there need not check it again
         * (out of memory only loses that). */
        if (*dir)
            quire__slugset_add(d->dirs_plain, dir);
        char *full = *dir ? path_join(d->path, dir) : strdup(d->path);
        DIR *dh = full ? opendir(full) : NULL;
        struct dirent *e;
        while (dh && (e = readdir(dh))) {
            size_t n = strlen(e->d_name);
            if (e->d_name[0] != '.' || n < 9 || e->d_name[n - 7] != '.')
                continue;
            quire_buf cand;
            quire__buf_init(&cand);
            if (*dir)
                quire__buf_printf(&cand, "%s/", dir);
            quire__buf_put(&cand, e->d_name + 1, n - 8);
            const char *c = quire__buf_cstr(&cand);
            if (quire__slugset_has(d->owned, c) || (!*dir && strcmp(c, MANIFEST_NAME) == 0))
                unlinkat(dirfd(dh), e->d_name, 0);
            quire__buf_free(&cand);
        }
        if (dh)
            closedir(dh);
        free(full);
        free(dir);
    }
    quire__slugset_free(dirs);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rewrite the manifest sorted and unique (atomically), then keep it open
 * for appends, locked. */
static int manifest_rewrite(quire_outdir *d, const char *mpath)
{
    if (d->count) /* a new folder: no list yet, and qsort(NULL, 0) is UB */
        qsort(d->list, d->count, sizeof *d->list, cmp_cstr);
    quire_sink *s;
    int rc = quire_sink_open_file(&s, mpath);
    if (rc != QUIRE_OK)
        return rc;
    quire_sink_puts(s, MANIFEST_HEADER);
    for (size_t i = 0; i < d->count; i++) {
        quire_sink_puts(s, d->list[i]);
        quire_sink_puts(s, "\n");
    }
    rc = quire_sink_commit(s);
    if (rc != QUIRE_OK)
        return rc;
    d->manifest_fd = open(mpath, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    return d->manifest_fd < 0 ? QUIRE_ERR_IO : QUIRE_OK;
}

int quire_outdir_open(quire_outdir **out, const char *path)
{
    *out = NULL;
    bool made;
    int rc = mkdir_p(path, &made);
    if (rc)
        return rc;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return QUIRE_ERR_IO;
    quire_outdir *d = calloc(1, sizeof *d);
    if (!d)
        return QUIRE_ERR_NOMEM;
    d->manifest_fd = -1;
    d->root_made = made;
    pthread_mutex_init(&d->lock, NULL);
    char *mpath = NULL;
    if (!(d->path = strdup(path)) || !(d->owned = quire__slugset_new()) ||
        !(d->dirs_plain = quire__slugset_new()) || !(d->dirs_made = quire__slugset_new()) ||
        !(d->dirs_deferred = quire__slugset_new()) || !(d->dirs_done = quire__slugset_new()) ||
        !(mpath = path_join(path, MANIFEST_NAME))) {
        rc = QUIRE_ERR_NOMEM;
        goto fail;
    }
    /* "out/" and "out" are one folder: path arithmetic below assumes no
     * trailing slash. */
    for (size_t n = strlen(d->path); n > 1 && d->path[n - 1] == '/'; n--)
        d->path[n - 1] = '\0';
    /* Lock first (on the old manifest when there is one), so that a second
     * build cannot sweep the temporaries of one still running. */
    int lock_fd = open(mpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (lock_fd < 0 && errno == ELOOP) {
        rc = QUIRE_ERR_UNSAFE;
        goto fail;
    }
    if (lock_fd >= 0 && flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        close(lock_fd);
        rc = QUIRE_ERR_BUSY;
        goto fail;
    }
    rc = manifest_load(d, mpath);
    if (rc == QUIRE_OK) {
        sweep_stale_temps(d);
        rc = manifest_rewrite(d, mpath);
    }
    if (rc == QUIRE_OK && flock(d->manifest_fd, LOCK_EX | LOCK_NB) != 0)
        rc = QUIRE_ERR_BUSY;
    if (lock_fd >= 0)
        close(lock_fd);
    if (rc != QUIRE_OK)
        goto fail;
    free(mpath);
    *out = d;
    return QUIRE_OK;
fail:
    free(mpath);
    quire_outdir_free(d);
    return rc;
}

int quire_outdir_sync(quire_outdir *d)
{
    if (!d || d->manifest_fd < 0)
        return QUIRE_OK;
    if (d->bg)
        quire__bgq_wait(d->bg); /* what the folder's thread still has */
    /* One flush for the whole build instead of one fsync per file (which
     * made a 10,000-page build 3x slower).  syncfs also flushes other
     * programs' data on the same file system, which is why it is not the
     * default: on a busy machine it cost more than a 100-page build. */
#ifdef __linux__
    int r = syncfs(d->manifest_fd);
#else
    int r = fsync(d->manifest_fd);
#endif
    return r == 0 ? QUIRE_OK : QUIRE_ERR_IO;
}

void quire_outdir_free(quire_outdir *d)
{
    if (!d)
        return;
    /* Its thread first: it may still be writing (what failed and was not
     * flushed is not reported). */
    quire_outdir_flush(d, NULL, NULL);
    quire__bgq_stop(d->bg);
    free(d->fails);
    if (d->manifest_fd >= 0)
        close(d->manifest_fd);
    for (size_t i = 0; i < d->count; i++)
        free(d->list[i]);
    free(d->list);
    quire__slugset_free(d->owned);
    quire__slugset_free(d->dirs_plain);
    quire__slugset_free(d->dirs_made);
    quire__slugset_free(d->dirs_deferred);
    quire__slugset_free(d->dirs_done);
    pthread_mutex_destroy(&d->lock);
    free(d->path);
    free(d);
}

const char *quire_outdir_path(const quire_outdir *d)
{
    return d->path;
}

bool quire_outdir_owns(const quire_outdir *d, const char *rel)
{
    return quire__slugset_has(d->owned, rel);
}

bool quire_path_is_safe(const char *rel)
{
    if (!rel || !*rel || rel[0] == '/')
        return false;
    const char *seg = rel;
    for (const char *p = rel;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '/' || c == '\0') {
            size_t n = (size_t)(p - seg);
            if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
                return false;
            if (c == '\0')
                return true;
            seg = p + 1;
        } else if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') {
            return false;
        }
    }
}

/* Claim rel for this build: an existing file must be one quire wrote (in
 * the manifest), and the claim is on disk before any byte of it is.
 * fresh: this very call created rel's folder, so nothing can be in it yet
 * (no lstat).  Called with d->lock held. */
static int outdir_claim(quire_outdir *d, const char *rel, const char *full, bool fresh)
{
    struct stat st;
    int rc = QUIRE_OK;
    bool owned = quire__slugset_has(d->owned, rel);
    if (fresh) {
        /* nothing to check */
    } else if (lstat(full, &st) == 0) {
        if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode))
            rc = QUIRE_ERR_UNSAFE;
        else if (!owned)
            rc = QUIRE_ERR_EXISTS;
    } else if (errno != ENOENT) {
        rc = QUIRE_ERR_IO;
    }
    if (rc == QUIRE_OK && !owned) {
        quire_buf line;
        quire__buf_init(&line);
        quire__buf_puts(&line, rel);
        quire__buf_putc(&line, '\n');
        if (line.oom || owned_add(d, rel) != QUIRE_OK)
            rc = QUIRE_ERR_NOMEM;
        else if (write(d->manifest_fd, line.data, line.len) != (ssize_t)line.len)
            rc = QUIRE_ERR_IO;
        quire__buf_free(&line);
    }
    return rc;
}

/* Makes sure the folder full (relative part rel) is a plain folder, not a
 * symlink or a file, creating it when missing.  *made: in, its parent was
 * created by this build; out, this folder was.  *created: by this call.
 * Called with d->lock held. */
static int folder_ensure(quire_outdir *d, const char *full, const char *rel, bool *made,
                         bool *created)
{
    *created = false;
    if (quire__slugset_has(d->dirs_plain, rel)) {
        *made = quire__slugset_has(d->dirs_made, rel);
        return QUIRE_OK;
    }
    /* In a folder this build created, the name is free.  In the
     * background the folder's thread makes it, before the first file in
     * it (a mkdir costs 25-100 us here, 166 of them at 100 documents, and
     * this runs on the thread that hands every document to the writers);
     * out of memory, it is made now. */
    if (*made && d->bg && quire__slugset_add(d->dirs_deferred, rel) == QUIRE_OK) {
        quire__slugset_add(d->dirs_plain, rel);
        quire__slugset_add(d->dirs_made, rel);
        *created = true;
        return QUIRE_OK;
    }
    /* Otherwise mkdir at once in such a folder (one call for a new tree
     * instead of lstat and mkdir).  Elsewhere
     * lstat first, so a rebuild costs one call per folder too.  mkdir
     * never follows a symlink in the last segment (EEXIST), and whatever
     * is found in the way is checked with lstat. */
    struct stat st;
    if (*made || lstat(full, &st) != 0) {
        if (mkdir(full, 0777) == 0)
            *created = true;
        else if (errno != EEXIST || lstat(full, &st) != 0)
            return QUIRE_ERR_IO;
    }
    if (!*created && !S_ISDIR(st.st_mode))
        return QUIRE_ERR_UNSAFE;
    *made = *created;
    /* Out of memory here only loses the cache: the folder is checked again. */
    if (quire__slugset_add(d->dirs_plain, rel) == QUIRE_OK && *created)
        quire__slugset_add(d->dirs_made, rel);
    return QUIRE_OK;
}

/* Checks or creates each folder on the way to the file full (relative part
 * rel), refusing symlinks: a symlink planted in the output folder must not
 * redirect a write outside of it.  Each folder is checked once per build
 * (dirs_plain): a folder swapped for a symlink by another program while
 * the build runs is not seen, but checking by path never could exclude
 * that (the swap can come between the lstat and the open).  *fresh: this
 * call created the file's own folder.  Called with d->lock held; full is
 * cut and restored in place. */
static int outdir_folders(quire_outdir *d, char *full, char *rel, bool *fresh)
{
    *fresh = false;
    char *last = strrchr(rel, '/');
    if (!last)
        return QUIRE_OK;
    /* The common case: a folder an earlier file of this build was put in
     * (its whole chain was checked then). */
    *last = '\0';
    bool known = quire__slugset_has(d->dirs_plain, rel);
    *last = '/';
    if (known)
        return QUIRE_OK;
    bool made = d->root_made;
    int rc = QUIRE_OK;
    for (char *q = rel; rc == QUIRE_OK && q <= last; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        rc = folder_ensure(d, full, rel, &made, fresh);
        *q = '/';
    }
    return rc;
}

/* The offset in rel of the '/' that ends the first folder on the way to
 * it that is deferred (folder_ensure), or 0: its sink makes that folder
 * and those under it.  Called with d->lock held; rel is cut and restored
 * in place. */
static size_t outdir_deferred_at(quire_outdir *d, char *rel)
{
    for (char *q = strchr(rel, '/'); q; q = strchr(q + 1, '/')) {
        *q = '\0';
        bool deferred = quire__slugset_has(d->dirs_deferred, rel);
        *q = '/';
        if (deferred)
            return (size_t)(q - rel);
    }
    return 0;
}

int quire_outdir_sink(quire_outdir *d, const char *rel, quire_sink **out)
{
    *out = NULL;
    if (!quire_path_is_safe(rel))
        return QUIRE_ERR_UNSAFE;
    /* Hidden names are quire's own (the manifest, temporaries ".NAME.XXXXXX"):
     * no output may take one. */
    const char *base = strrchr(rel, '/');
    if ((base ? base[1] : rel[0]) == '.')
        return QUIRE_ERR_UNSAFE;
    char *full = path_join(d->path, rel);
    if (!full)
        return QUIRE_ERR_NOMEM;
    bool fresh;
    size_t rel_off = strlen(full) - strlen(rel), mkdir_at = 0;
    pthread_mutex_lock(&d->lock);
    int rc = outdir_folders(d, full, full + rel_off, &fresh);
    if (rc == QUIRE_OK)
        rc = outdir_claim(d, rel, full, fresh);
    if (rc == QUIRE_OK && d->bg)
        mkdir_at = outdir_deferred_at(d, full + rel_off);
    pthread_mutex_unlock(&d->lock);
    if (rc == QUIRE_OK)
        rc = sink_open_file_on(out, full, d->bg ? d : NULL);
    if (rc == QUIRE_OK) {
        (*out)->no_fsync = true; /* quire_outdir_free syncs them all at once */
        (*out)->rel_off = rel_off;
        (*out)->mkdir_at = mkdir_at ? rel_off + mkdir_at : 0;
    }
    free(full);
    return rc;
}

/* Reads stdin (or anything that is not a regular file) to the end. */
static int read_stream(FILE *fp, size_t max_size, quire_buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (max_size && b->len + n > max_size)
            return QUIRE_ERR_LIMIT;
        quire__buf_put(b, chunk, n);
        if (b->oom)
            return QUIRE_ERR_NOMEM;
    }
    return ferror(fp) ? QUIRE_ERR_IO : QUIRE_OK;
}

/* Reads fd to the end: *data_out is malloc'd and NUL-terminated.  fstat's
 * size sizes the buffer and the first read, one byte more than the file
 * holds: when the read stops short at exactly that size, the file is at its
 * end, so a file takes open, fstat, one read, close.  Anything else (a size
 * of 0 as in /proc, a pipe, a file that grew) is read until read() says 0. */
static int read_fd(int fd, size_t max_size, char **data_out, size_t *len_out)
{
    struct stat st;
    size_t known = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        if ((uintmax_t)st.st_size > (max_size ? max_size : SIZE_MAX - 2))
            return QUIRE_ERR_LIMIT;
        known = (size_t)st.st_size;
    }
    size_t cap = known ? known + 1 : 65536, len = 0;
    char *data = malloc(cap + 1);
    if (!data)
        return QUIRE_ERR_NOMEM;
    int rc = QUIRE_OK;
    for (;;) {
        if (len == cap) {
            char *grown = cap <= SIZE_MAX / 2 - 1 ? realloc(data, cap * 2 + 1) : NULL;
            if (!grown) {
                rc = QUIRE_ERR_NOMEM;
                break;
            }
            data = grown;
            cap *= 2;
        }
        ssize_t n = read(fd, data + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = QUIRE_ERR_IO;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (max_size && len > max_size) {
            rc = QUIRE_ERR_LIMIT;
            break;
        }
        if (known && len == known && len < cap)
            break; /* asked for more than the file's size, got exactly it */
    }
    if (rc != QUIRE_OK) {
        free(data);
        return rc;
    }
    data[len] = '\0';
    *data_out = data;
    *len_out = len;
    return QUIRE_OK;
}

int quire_read_file(const char *path, size_t max_size, char **data_out, size_t *len_out)
{
    *data_out = NULL;
    *len_out = 0;
    if (strcmp(path, "-") != 0) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return errno == ENOENT ? QUIRE_ERR_NOTFOUND : QUIRE_ERR_IO;
        int rc = read_fd(fd, max_size, data_out, len_out);
        close(fd);
        return rc;
    }
    quire_buf b;
    quire__buf_init(&b);
    int rc = read_stream(stdin, max_size, &b);
    if (rc != QUIRE_OK) {
        quire__buf_free(&b);
        return rc;
    }
    *data_out = quire__buf_detach(&b, len_out);
    return QUIRE_OK;
}
