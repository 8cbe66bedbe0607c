/* http: what the HTTP endpoints of both programs share: the header that names
 * the answering pod (rebel-base sends it, xwing --by pod tallies by it), the
 * JSON content type and the shape of a JSON error body. */
#ifndef COMMON_HTTP_H
#define COMMON_HTTP_H

#define HTTP_SERVED_BY "X-Served-By"
#define HTTP_JSON "application/json"

/* {"error":"WHY"} and a newline, with why JSON-escaped, in a fresh malloc'd
 * string (the caller frees it); NULL when out of memory. */
char *http_json_error(const char *why);

#endif
