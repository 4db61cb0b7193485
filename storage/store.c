/* placeholder until storage lands */
#include "store.h"
