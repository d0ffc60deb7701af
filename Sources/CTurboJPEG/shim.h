// CTurboJPEG: the system libjpeg-turbo's TurboJPEG API (Debian libturbojpeg0-dev), used by
// DataFormats' JPEG decoder (JPEG.swift, docs/datasets.md §2). Only decoding is used by deat itself;
// deat-fuzz also encodes, to build its seed files.
#include <stddef.h>
#include <turbojpeg.h>
