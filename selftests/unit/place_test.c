// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of NUMA placement (mod/place.c, built here as it is): the
 * order in which nodes are tried for each kind of memory policy, on a
 * made-up machine of four nodes in a ring.
 */
#include <linux/mempolicy.h>

#include "place.h"
#include "kselftest_harness.h"

int unit_node_distance[MAX_NUMNODES][MAX_NUMNODES];

#define ALL	0xfULL

/* Four nodes in a ring: 10 to itself, 20 to a neighbour, 30 across. */
static void ring(void)
{
	int a, b, d;

	for (a = 0; a < 4; a++)
		for (b = 0; b < 4; b++) {
			d = (a - b + 4) % 4;
			unit_node_distance[a][b] = !d ? 10 : d == 2 ? 30 : 20;
		}
}

static nodemask_t mask(unsigned long long bits)
{
	nodemask_t m = { bits };

	return m;
}

/* The nodes of @p over @mem in the order tried, -1 after the last. */
static void order(const struct vmpool_place *p, unsigned long long mem,
		  int *out)
{
	nodemask_t tried = NODE_MASK_NONE, m = mask(mem);
	int i = 0;

	do
		out[i] = vmpool_place_next(&m, p, &tried);
	while (out[i++] != NUMA_NO_NODE && i < 5);
}

#define EXPECT_ORDER(p, mem, ...)					\
	do {								\
		int want[] = { __VA_ARGS__, NUMA_NO_NODE };		\
		int got[6] = { 9, 9, 9, 9, 9, 9 };			\
		unsigned int k;						\
									\
		order(p, mem, got);					\
		for (k = 0; k < ARRAY_SIZE(want); k++)			\
			EXPECT_EQ(want[k], got[k]) TH_LOG("step %u", k);	\
	} while (0)

/* A preferred node, then the nearest others; a tie to the lower number. */
TEST(preferred_node_then_nearest)
{
	struct vmpool_place p;

	ring();
	vmpool_place_prefer(&p, 2);
	EXPECT_ORDER(&p, ALL, 2, 1, 3, 0);
	vmpool_place_prefer(&p, 0);
	EXPECT_ORDER(&p, ALL, 0, 1, 3, 2);
}

/* MPOL_BIND: its nodes only, the one nearest the CPU first. */
TEST(bind_is_strict)
{
	nodemask_t nodes = mask(0xa);	/* 1 and 3 */
	nodemask_t tried = NODE_MASK_NONE, mem;
	struct vmpool_place p;

	ring();
	ASSERT_TRUE(vmpool_place_policy(&p, MPOL_BIND, &nodes, NUMA_NO_NODE,
					0, 0));
	EXPECT_TRUE(p.strict);
	EXPECT_ORDER(&p, ALL, 1, 3);
	/* From a CPU of node 3 itself, and with node 3 as home. */
	ASSERT_TRUE(vmpool_place_policy(&p, MPOL_BIND, &nodes, NUMA_NO_NODE,
					0, 3));
	EXPECT_ORDER(&p, ALL, 3, 1);
	ASSERT_TRUE(vmpool_place_policy(&p, MPOL_BIND, &nodes, 3, 0, 0));
	EXPECT_ORDER(&p, ALL, 3, 1);
	/* A home node outside them: the nearest to it, not to the CPU. */
	nodes = mask(0x6);		/* 1 and 2 */
	ASSERT_TRUE(vmpool_place_policy(&p, MPOL_BIND, &nodes, 0, 0, 3));
	EXPECT_ORDER(&p, ALL, 1, 2);
	/* Bound to a node without pool memory: nothing. */
	nodes = mask(0x2);
	ASSERT_TRUE(vmpool_place_policy(&p, MPOL_BIND, &nodes, NUMA_NO_NODE,
					0, 0));
	mem = mask(0x5);
	EXPECT_EQ(NUMA_NO_NODE, vmpool_place_next(&mem, &p, &tried));
}

/* MPOL_PREFERRED_MANY: its nodes, nearest the CPU first, then the rest. */
TEST(preferred_many_falls_back)
{
	nodemask_t nodes = mask(0xc);	/* 2 and 3 */
	struct vmpool_place p;

	ring();
	ASSERT_TRUE(vmpool_place_policy(&p, MPOL_PREFERRED_MANY, &nodes,
					NUMA_NO_NODE, 0, 0));
	EXPECT_FALSE(p.strict);
	EXPECT_ORDER(&p, ALL, 3, 2, 0, 1);
	nodes = mask(0x2);
	ASSERT_TRUE(vmpool_place_policy(&p, MPOL_PREFERRED, &nodes,
					NUMA_NO_NODE, 0, 3));
	EXPECT_ORDER(&p, ALL, 1, 0, 2, 3);
}

/* MPOL_INTERLEAVE: page N on the (N mod count)-th node first. */
TEST(interleave_goes_round)
{
	nodemask_t nodes = mask(0x5);	/* 0 and 2 */
	struct vmpool_place p;
	unsigned long i;

	ring();
	for (i = 0; i < 8; i++) {
		ASSERT_TRUE(vmpool_place_policy(&p, MPOL_INTERLEAVE, &nodes,
						NUMA_NO_NODE, i, 1));
		EXPECT_EQ(i % 2 ? 2 : 0, p.first);
		EXPECT_FALSE(p.strict);
	}
	ASSERT_TRUE(vmpool_place_policy(&p, MPOL_INTERLEAVE, &nodes,
					NUMA_NO_NODE, 5, 1));
	EXPECT_ORDER(&p, ALL, 2, 0, 1, 3);
}

/* MPOL_LOCAL: the CPU's node, then the nearest. */
TEST(local_node_first)
{
	nodemask_t none = NODE_MASK_NONE;
	struct vmpool_place p;

	ring();
	ASSERT_TRUE(vmpool_place_policy(&p, MPOL_LOCAL, &none, NUMA_NO_NODE,
					0, 3));
	EXPECT_ORDER(&p, ALL, 3, 0, 2, 1);
}

/* The default policy, or one without nodes, leaves the place alone. */
TEST(policies_that_say_nothing)
{
	nodemask_t none = NODE_MASK_NONE, one = mask(0x1);
	struct vmpool_place p;

	vmpool_place_prefer(&p, 2);
	EXPECT_FALSE(vmpool_place_policy(&p, MPOL_DEFAULT, &one, NUMA_NO_NODE,
					 0, 0));
	EXPECT_FALSE(vmpool_place_policy(&p, MPOL_BIND, &none, NUMA_NO_NODE,
					 0, 0));
	EXPECT_FALSE(vmpool_place_policy(&p, MPOL_INTERLEAVE, &none,
					 NUMA_NO_NODE, 0, 0));
	EXPECT_EQ(2, p.first);
	EXPECT_FALSE(p.strict);
}

/* Nodes without pool memory are never tried; nor is the first one. */
TEST(only_nodes_with_pool_memory)
{
	struct vmpool_place p;

	ring();
	vmpool_place_prefer(&p, 1);
	EXPECT_ORDER(&p, 0x5, 0, 2);
	vmpool_place_prefer(&p, 3);
	EXPECT_ORDER(&p, 0x8, 3);
}

TEST_HARNESS_MAIN
