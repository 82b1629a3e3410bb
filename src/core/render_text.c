/* render_text.c — placeholder, being written */
#include "internal.h"
