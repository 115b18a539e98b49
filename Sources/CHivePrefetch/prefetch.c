// Everything lives in include/CHivePrefetch.h as static inline functions; SwiftPM needs one
// source file to build the target.
#include "CHivePrefetch.h"
