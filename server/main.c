/* placeholder until the server lands */
#include "api.h"
int main(void)
{
    return 0;
}
