#include "jl_test.h"
int main(void){return 0;}
