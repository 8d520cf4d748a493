/* fsutil.h — files written so that a crash never leaves a half-written one. */
#ifndef WF_FSUTIL_H
#define WF_FSUTIL_H

#include <stddef.h>

/* wf_write_atomic: replace dir/name with buf[0..len).  The bytes go to a
 * temporary file in dir, which is fsync'd and renamed over name, and then dir
 * is fsync'd: a reader sees the old file or the new one, never a part, and
 * after a crash the old one survives unless the rename is durable.
 * Returns 0, or a negative wf_error (WF_ENOSPC, WF_EIO); then no temporary
 * file is left and errno-style detail is written to err[0..errlen).
 * Thread-safe for distinct names. */
int wf_write_atomic(const char *dir, const char *name, const void *buf,
                    size_t len, char *err, size_t errlen);

/* wf_remove_stale_tmp: remove the temporary files that wf_write_atomic
 * leaves in dir when its process is killed between creating one and
 * renaming it: ".NAME.tmp-PID" where no process PID runs (or PID is this
 * process, which has not written yet).  Files of a live process are left.
 * Returns the number removed, or WF_EIO with the reason in err. */
int wf_remove_stale_tmp(const char *dir, char *err, size_t errlen);

/* wf_mkdir_p: create dir and its missing parents (mode 0777 & ~umask).
 * Returns 0 when it exists as a directory afterwards, else WF_EIO with the
 * reason in err. */
int wf_mkdir_p(const char *dir, char *err, size_t errlen);

/* wf_read_file: read a whole file into a malloc'd buffer (caller frees).
 * Returns 0 or WF_EIO / WF_ENOMEM with the reason in err. */
int wf_read_file(const char *path, char **buf, size_t *len, char *err,
                 size_t errlen);

#endif
