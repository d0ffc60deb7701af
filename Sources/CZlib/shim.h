// CZlib: the system zlib (Debian zlib1g-dev), used by the Datasets target to inflate .gz and .tar.gz
// dataset files (Gzip.swift). Nothing else is exposed; the Swift side wraps it with bounded output.
#include <zlib.h>
