/* The addon's one way to fail: throw an Error with {code, errno, syscall}, as Node's own do. */
#ifndef OCI_TS_ADDON_ERRORS_H
#define OCI_TS_ADDON_ERRORS_H
#include <napi.h>

Napi::Value throw_errno(Napi::Env env, const char *syscall, int e);

#endif
