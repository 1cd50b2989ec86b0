/*
 * test_heap.c - the one heap (<joblet/heap.h>) against a reference: random
 * pushes, pops, removes and re-keys, each checked against a plain array of
 * what is in the heap (its first item found by scanning, its whole order by
 * sorting), with the slots and counts checked as it goes.  The heap's keys
 * are a coarse digest of the items' order (their key / 8), as the priority
 * policy uses them, so both the keys and compare() decide.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <joblet/error.h>
#include <joblet/heap.h>

#include "jl_test.h"

#define NITEMS 600
#define NOPS   40000

struct item {
	int64_t key;
	uint64_t seq; /* breaks ties: the order is total */
	uint64_t slot;
	int in;
	uint64_t other_slot; /* for a second heap */
};

/* Lower key first, then lower seq; userdata, when set, reverses the key order. */
static int item_compare(const void *a, const void *b, void *userdata)
{
	const struct item *x = a, *y = b;
	int64_t kx = userdata ? -x->key : x->key, ky = userdata ? -y->key : y->key;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int item_qsort(const void *a, const void *b)
{
	return item_compare(*(void *const *)a, *(void *const *)b, NULL);
}

/* xorshift64*: the same sequence on every run, so a failure can be replayed. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * UINT64_C(2685821657736338717)) % n;
}

static struct joblet_heap *new_heap(void *userdata, size_t offset)
{
	struct joblet_heap *h = NULL;
	struct joblet_error *e = NULL;

	ck_assert_msg(joblet_heap_new(item_compare, userdata, offset, &h, &e) == 0, "%s",
		      joblet_error_message(e));
	ck_assert_ptr_nonnull(h);
	return h;
}

/* The heap's key: an order-keeping digest of item->key (keys are above -1000). */
static uint64_t digest(const struct item *it)
{
	return JOBLET_HEAP_KEY_INT64((it->key + 1000) / 8);
}

static void push(struct joblet_heap *h, struct item *it)
{
	struct joblet_error *e = NULL;

	ck_assert_msg(joblet_heap_push(h, it, digest(it), &e) == 0, "%s", joblet_error_message(e));
}

static void push_key(struct joblet_heap *h, struct item *it, uint64_t key)
{
	struct joblet_error *e = NULL;

	ck_assert_msg(joblet_heap_push(h, it, key, &e) == 0, "%s", joblet_error_message(e));
}

/* The reference: the items marked in, and the one that must come out first. */
static struct item *ref_first(struct item *items, size_t *ret_n)
{
	struct item *first = NULL;

	*ret_n = 0;
	for (size_t i = 0; i < NITEMS; i++) {
		if (!items[i].in)
			continue;
		(*ret_n)++;
		if (!first || item_compare(&items[i], first, NULL) < 0)
			first = &items[i];
	}
	return first;
}

static struct item *random_item(struct item *items, int in)
{
	for (int tries = 0; tries < 4 * NITEMS; tries++) {
		struct item *it = &items[rnd(NITEMS)];

		if (it->in == in)
			return it;
	}
	return NULL;
}

/* One random step; keys come from a small range so that ties are common. */
static void step(struct joblet_heap *h, struct item *items, uint64_t *seq)
{
	uint64_t op = rnd(10);
	struct item *it;

	if (op < 4 && (it = random_item(items, 0))) {
		it->key = (int64_t)rnd(200) - 100;
		it->seq = ++*seq;
		push(h, it);
		it->in = 1;
	} else if (op < 6) {
		size_t n;
		struct item *want = ref_first(items, &n);

		ck_assert_ptr_eq(joblet_heap_pop(h), want);
		if (want) {
			want->in = 0;
			ck_assert_uint_eq(want->slot, JOBLET_HEAP_NONE);
		}
	} else if (op < 8 && (it = random_item(items, 1))) {
		joblet_heap_remove(h, it);
		it->in = 0;
		ck_assert_uint_eq(it->slot, JOBLET_HEAP_NONE);
		joblet_heap_remove(h, it); /* twice: the second does nothing */
	} else if ((it = random_item(items, 1))) {
		it->key = (int64_t)rnd(200) - 100;
		joblet_heap_update(h, it, digest(it));
	}
}

static void check_against_reference(struct joblet_heap *h, struct item *items)
{
	size_t n;
	struct item *first = ref_first(items, &n);

	ck_assert_uint_eq(joblet_heap_count(h), n);
	ck_assert_ptr_eq(joblet_heap_top(h), first);
	for (size_t i = 0; i < NITEMS; i++)
		ck_assert_int_eq(joblet_heap_contains(h, &items[i]), items[i].in);
}

START_TEST(test_random_against_reference)
{
	struct item *items = calloc(NITEMS, sizeof(*items));
	struct joblet_heap *h = new_heap(NULL, offsetof(struct item, slot));
	void *sorted[NITEMS];
	uint64_t seq = 0;
	size_t n = 0;

	ck_assert_ptr_nonnull(items);
	/* Slots of items never pushed hold anything: the heap must not trust them. */
	for (size_t i = 0; i < NITEMS; i++)
		items[i].slot = i % 3 == 0 ? 0 : rnd(UINT64_MAX);
	for (int i = 0; i < NOPS; i++) {
		step(h, items, &seq);
		if (i % 97 == 0)
			check_against_reference(h, items);
	}
	check_against_reference(h, items);
	/* Whatever is left comes out in sorted order. */
	for (size_t i = 0; i < NITEMS; i++)
		if (items[i].in)
			sorted[n++] = &items[i];
	qsort(sorted, n, sizeof(*sorted), item_qsort);
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_eq(joblet_heap_pop(h), sorted[i]);
	ck_assert_ptr_null(joblet_heap_pop(h));
	ck_assert_uint_eq(joblet_heap_count(h), 0);
	joblet_heap_free(h);
	free(items);
}
END_TEST

/* Thousands in, all out in order: the array grows, then shrinks as it empties. */
START_TEST(test_grow_and_shrink)
{
	enum { N = 5000 };
	struct item *items = calloc(N, sizeof(*items));
	struct joblet_heap *h = new_heap(NULL, offsetof(struct item, slot));

	ck_assert_ptr_nonnull(items);
	for (size_t i = 0; i < N; i++) {
		items[i].key = (int64_t)((i * 7919) % N);
		items[i].seq = i;
		push(h, &items[i]);
	}
	ck_assert_uint_eq(joblet_heap_count(h), N);
	for (int64_t k = 0; k < N; k++) {
		struct item *it = joblet_heap_pop(h);

		ck_assert_ptr_nonnull(it);
		ck_assert_int_eq(it->key, k);
	}
	ck_assert_ptr_null(joblet_heap_top(h));
	joblet_heap_free(h);
	free(items);
}
END_TEST

/* userdata reaches compare(); one item in two heaps, a slot for each; key 0: compare() alone. */
START_TEST(test_userdata_and_two_heaps)
{
	struct item items[5];
	struct joblet_heap *low = new_heap(NULL, offsetof(struct item, slot));
	struct joblet_heap *high = new_heap(&items, offsetof(struct item, other_slot));

	for (int i = 0; i < 5; i++) {
		items[i] = (struct item){ .key = (i * 3) % 5, .seq = (uint64_t)i };
		push_key(low, &items[i], 0);
		push_key(high, &items[i], 0);
	}
	ck_assert_int_eq(((struct item *)joblet_heap_top(low))->key, 0);
	ck_assert_int_eq(((struct item *)joblet_heap_top(high))->key, 4);
	joblet_heap_remove(low, joblet_heap_top(high));
	ck_assert_uint_eq(joblet_heap_count(low), 4);
	ck_assert_uint_eq(joblet_heap_count(high), 5);
	ck_assert_int_eq(joblet_heap_contains(high, joblet_heap_top(high)), 1);
	/* Re-keyed to the front of both. */
	items[2].key = -1;
	joblet_heap_update(low, &items[2], 0);
	ck_assert_ptr_eq(joblet_heap_top(low), &items[2]);
	items[2].key = 9;
	joblet_heap_update(high, &items[2], 0);
	ck_assert_ptr_eq(joblet_heap_top(high), &items[2]);
	/* A key decides before compare(): the lowest goes first whatever compare() says. */
	joblet_heap_update(high, &items[0], 0);
	joblet_heap_update(high, &items[2], 1);
	ck_assert_ptr_ne(joblet_heap_top(high), &items[2]);
	joblet_heap_free(low);
	joblet_heap_free(high);
}
END_TEST

/* No compare(): keys alone, as signed times. */
START_TEST(test_keys_alone)
{
	static const int64_t times[] = { 5, -3, INT64_MAX, 0, INT64_MIN, -1, 7 };
	struct item items[7];
	struct joblet_heap *h = NULL;
	int64_t last = INT64_MIN;

	ck_assert_int_eq(joblet_heap_new(NULL, NULL, offsetof(struct item, slot), &h, NULL), 0);
	for (int i = 0; i < 7; i++) {
		items[i] = (struct item){ .key = times[i] };
		push_key(h, &items[i], JOBLET_HEAP_KEY_INT64(times[i]));
	}
	for (int i = 0; i < 7; i++) {
		struct item *it = joblet_heap_pop(h);

		ck_assert_ptr_nonnull(it);
		ck_assert_int_ge(it->key, last);
		last = it->key;
	}
	ck_assert_int_eq(last, INT64_MAX);
	joblet_heap_free(h);
}
END_TEST

START_TEST(test_edges)
{
	struct joblet_heap *h = new_heap(NULL, offsetof(struct item, slot));
	struct item stray = { .slot = 0 };

	joblet_heap_free(NULL);
	ck_assert_ptr_null(joblet_heap_top(h));
	ck_assert_ptr_null(joblet_heap_pop(h));
	ck_assert_int_eq(joblet_heap_contains(h, &stray), 0);
	joblet_heap_remove(h, &stray);
	joblet_heap_update(h, &stray, 0);
	ck_assert_uint_eq(joblet_heap_count(h), 0);
	ck_assert_uint_eq(stray.slot, 0);
	joblet_heap_free(h);
}
END_TEST

static Suite *heap_suite(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("heap");

	tcase_add_test(tc, test_random_against_reference);
	tcase_add_test(tc, test_grow_and_shrink);
	tcase_add_test(tc, test_userdata_and_two_heaps);
	tcase_add_test(tc, test_keys_alone);
	tcase_add_test(tc, test_edges);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(heap_suite());
}
