/* error.h — one table of wirefold's error codes, for the enum and wf_strerror(). */
#ifndef WF_ERROR_H
#define WF_ERROR_H

/* X(name, message).  Codes are negative; 0 is success. */
#define WF_ERRNO_MAP(X)                                                      \
	X(NOMEM, "out of memory")                                            \
	X(INVAL, "invalid argument")                                         \
	X(IO, "input/output error")                                          \
	X(NOSPC, "no space left on device")                                  \
	X(PIPE, "output closed by its reader")                               \
	X(JSON, "invalid JSON")                                              \
	X(NOTOBJ, "not a JSON object")                                       \
	X(UTF8, "invalid UTF-8")                                             \
	X(TOOLONG, "line too long")                                          \
	X(NOID, "no id")                                                     \
	X(NOTIME, "no time")                                                 \
	X(BADTIME, "unparseable time")                                       \
	X(NOTEXT, "no title and no body")                                    \
	X(TYPE, "field of the wrong type")                                   \
	X(ZSTD, "compression error")                                         \
	X(FORMAT, "not a wirefold bundle")                                   \
	X(TZ, "unknown time zone")                                           \
	X(STATE, "unusable state file")

enum wf_error {
	WF_OK = 0,
#define WF_ERR_ENUM(name, msg) WF_E##name,
	WF__EFIRST = -1000,
	WF_ERRNO_MAP(WF_ERR_ENUM)
#undef WF_ERR_ENUM
	WF__ELAST
};

/* wf_strerror: a static, human-readable message for a code from this table
 * (or "unknown error").  Thread-safe. */
const char *wf_strerror(int code);

#endif
