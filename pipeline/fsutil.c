#include "wirefold/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wirefold/error.h"

static int fail(int code, char *err, size_t errlen, const char *what,
                const char *path, int e)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
	return code;
}

static int code_of(int e)
{
	return e == ENOSPC || e == EDQUOT ? WF_ENOSPC : WF_EIO;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int wf_write_atomic(const char *dir, const char *name, const void *buf,
                    size_t len, char *err, size_t errlen)
{
	char tmp[4096], dst[4096];
	if ((size_t)snprintf(dst, sizeof dst, "%s/%s", dir, name) >= sizeof dst ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.tmp-%ld", dir, name,
	                     (long)getpid()) >= sizeof tmp)
		return fail(WF_EIO, err, errlen, "cannot write", name, ENAMETOOLONG);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(code_of(errno), err, errlen, "cannot create", tmp, errno);
	if (write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return fail(code_of(e), err, errlen, "cannot write", tmp, e);
	}
	if (close(fd) < 0) {
		int e = errno;
		unlink(tmp);
		return fail(code_of(e), err, errlen, "cannot write", tmp, e);
	}
	if (rename(tmp, dst) < 0) {
		int e = errno;
		unlink(tmp);
		return fail(code_of(e), err, errlen, "cannot rename to", dst, e);
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		/* The rename is durable only once the directory is. */
		int rc = fsync(dfd);
		int e = errno;
		close(dfd);
		if (rc < 0 && e != EINVAL)
			return fail(code_of(e), err, errlen, "cannot sync", dir, e);
	}
	return 0;
}

/* The PID of a name wf_write_atomic gives its temporary files,
 * ".NAME.tmp-PID", or 0 for any other name. */
static pid_t tmp_owner(const char *name)
{
	const char *t = strstr(name, ".tmp-");
	if (name[0] != '.' || !t || t == name)
		return 0;
	for (const char *q; (q = strstr(t + 1, ".tmp-"));)
		t = q;
	const char *digits = t + 5;
	long pid = 0;
	for (const char *d = digits; *d; d++) {
		if (*d < '0' || *d > '9' || pid > 99999999)
			return 0;
		pid = pid * 10 + (*d - '0');
	}
	return *digits ? (pid_t)pid : 0;
}

int wf_remove_stale_tmp(const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d)
		return fail(WF_EIO, err, errlen, "cannot read directory", dir, errno);
	int removed = 0, rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		pid_t pid = tmp_owner(e->d_name);
		if (pid <= 0 || (pid != getpid() && (kill(pid, 0) == 0 || errno != ESRCH)))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0) {
			removed++;
		} else if (errno != ENOENT) {
			rc = fail(WF_EIO, err, errlen, "cannot remove stale file in", dir, errno);
			break;
		}
	}
	closedir(d);
	return rc < 0 ? rc : removed;
}

int wf_mkdir_p(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof path)
		return fail(WF_EIO, err, errlen, "cannot create directory", dir,
		            n ? ENAMETOOLONG : ENOENT);
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			return fail(WF_EIO, err, errlen, "cannot create directory", path, errno);
		path[i] = c;
	}
	struct stat st;
	if (stat(dir, &st) < 0)
		return fail(WF_EIO, err, errlen, "cannot use directory", dir, errno);
	if (!S_ISDIR(st.st_mode))
		return fail(WF_EIO, err, errlen, "cannot use directory", dir, ENOTDIR);
	if (access(dir, W_OK | X_OK) < 0)
		return fail(WF_EIO, err, errlen, "cannot write to directory", dir, errno);
	return 0;
}

int wf_read_file(const char *path, char **buf, size_t *len, char *err,
                 size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(WF_EIO, err, errlen, "cannot open", path, errno);
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap);
	while (p) {
		size_t r = fread(p + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
		if (n == cap) {
			char *q = realloc(p, cap * 2);
			if (!q) {
				free(p);
				p = NULL;
				break;
			}
			p = q;
			cap *= 2;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (!p) {
		snprintf(err, errlen, "cannot read %s: out of memory", path);
		return WF_ENOMEM;
	}
	if (bad) {
		free(p);
		return fail(WF_EIO, err, errlen, "cannot read", path, EIO);
	}
	*buf = p;
	*len = n;
	return 0;
}
