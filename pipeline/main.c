/* main.c — the wirefold program; everything lives in the library. */
#include "wirefold/cli.h"

int main(int argc, char **argv)
{
	return wf_cli_main(argc, argv);
}
