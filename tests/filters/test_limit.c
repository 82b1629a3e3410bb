#include "ftest.h"
int main(void) { return ft_done("limit"); }
