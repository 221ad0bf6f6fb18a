// CBLAS shim: the two headers the distiller uses (see module.modulemap).
#ifndef M2V_CBLAS_SHIM_H
#define M2V_CBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
