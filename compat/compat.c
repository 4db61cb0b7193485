/* placeholder until compat lands */
#include "compat_internal.h"
