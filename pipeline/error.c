#include "wirefold/error.h"

const char *wf_strerror(int code)
{
	switch (code) {
	case WF_OK:
		return "success";
#define WF_ERR_CASE(name, msg) \
	case WF_E##name:       \
		return msg;
		WF_ERRNO_MAP(WF_ERR_CASE)
#undef WF_ERR_CASE
	default:
		return "unknown error";
	}
}
