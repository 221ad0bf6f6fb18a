/* CM2V: makes include/m2v.h a Clang module the Swift C-API target imports for its types, and
 * compiles the header as C on every build (it must stay valid C99 on its own). */
#include "../../include/m2v.h"
