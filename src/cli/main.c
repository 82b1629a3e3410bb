/* quire — command line (being written) */
#include "quire/quire.h"
#include <stdio.h>
int main(void) { puts("quire " QUIRE_VERSION_STRING); return 0; }
