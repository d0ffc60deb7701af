// CSpng: the system libspng (Debian libspng-dev), used by DataFormats' PNG decoder (PNG.swift,
// docs/datasets.md §2). deat-fuzz also encodes with it, to build its seed files.
#include <stddef.h>
#include <spng.h>
