/*
 * heap.c - the one binary heap of joblet (<joblet/heap.h>).
 *
 * It lives beside the scheduler core, its one user inside libjoblet; the
 * daemon and the scheduler plugins reach it through the SDK.
 *
 * A pop or a removal fills the hole with the last item and sinks it
 * bottom-up (Floyd): the hole first goes down to a leaf along the child
 * that comes out first, one comparison per level, and the item then climbs
 * from there.  The last item was a leaf, so it nearly always belongs near
 * the bottom: that is about half the comparisons of sinking it with two per
 * level.  Keys sit beside the pointers, so most comparisons read only the
 * array; the others call into the caller, often a plugin.  Slots are read
 * and written with memcpy(), so a slot need not be aligned more than its
 * struct makes it.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <joblet/heap.h>

/* The first array, and the size below which it is never shrunk. */
#define HEAP_MIN_CAPACITY 64

/* The key beside the pointer: ordering by key reads only this array. */
struct heap_entry {
	uint64_t key;
	void *item; /* borrowed from the caller */
};

struct joblet_heap {
	struct heap_entry *entries; /* entries[0] comes out first */
	size_t n, capacity;
	size_t slot_offset;
	int (*compare)(const void *a, const void *b, void *userdata);
	void *userdata;
};

static void slot_set(const struct joblet_heap *h, void *item, uint64_t i)
{
	memcpy((char *)item + h->slot_offset, &i, sizeof(i));
}

static uint64_t slot_get(const struct joblet_heap *h, const void *item)
{
	uint64_t i;

	memcpy(&i, (const char *)item + h->slot_offset, sizeof(i));
	return i;
}

static int before(const struct joblet_heap *h, const struct heap_entry *a,
		  const struct heap_entry *b)
{
	if (a->key != b->key)
		return a->key < b->key;
	return h->compare && h->compare(a->item, b->item, h->userdata) < 0;
}

static void place(struct joblet_heap *h, size_t i, struct heap_entry e)
{
	h->entries[i] = e;
	slot_set(h, e.item, i);
}

/* e fills the hole at i and climbs while it comes out before its parent. */
static void sift_up(struct joblet_heap *h, size_t i, struct heap_entry e)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(h, &e, &h->entries[parent]))
			break;
		place(h, i, h->entries[parent]);
		i = parent;
	}
	place(h, i, e);
}

/*
 * e fills the hole at i, which first goes down to a leaf; e then climbs to
 * its place, which may even be above i (a valid heap either way).
 */
static void sift_down(struct joblet_heap *h, size_t i, struct heap_entry e)
{
	size_t child;

	while ((child = 2 * i + 1) < h->n) {
		if (child + 1 < h->n && before(h, &h->entries[child + 1], &h->entries[child]))
			child++;
		place(h, i, h->entries[child]);
		i = child;
	}
	sift_up(h, i, e);
}

/* e fills the hole at i; when it comes out before i's parent, climbing alone will do. */
static void settle(struct joblet_heap *h, size_t i, struct heap_entry e)
{
	if (i > 0 && before(h, &e, &h->entries[(i - 1) / 2]))
		sift_up(h, i, e);
	else
		sift_down(h, i, e);
}

/* Give back half the array once three quarters are unused; a failed shrink keeps it. */
static void shrink(struct joblet_heap *h)
{
	struct heap_entry *smaller;

	if (h->capacity <= HEAP_MIN_CAPACITY || h->n >= h->capacity / 4)
		return;
	smaller = realloc(h->entries, h->capacity / 2 * sizeof(*h->entries));
	if (smaller) {
		h->entries = smaller;
		h->capacity /= 2;
	}
}

static void take_out(struct joblet_heap *h, size_t i)
{
	struct heap_entry last;

	slot_set(h, h->entries[i].item, JOBLET_HEAP_NONE);
	last = h->entries[--h->n];
	if (i < h->n)
		settle(h, i, last);
	shrink(h);
}

int joblet_heap_new(int (*compare)(const void *a, const void *b, void *userdata), void *userdata,
		    size_t slot_offset, struct joblet_heap **ret, struct joblet_error **err)
{
	struct joblet_heap *h = calloc(1, sizeof(*h));

	if (!h)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot make a heap");
	h->compare = compare;
	h->userdata = userdata;
	h->slot_offset = slot_offset;
	*ret = h;
	return 0;
}

void joblet_heap_free(struct joblet_heap *h)
{
	if (!h)
		return;
	free(h->entries);
	free(h);
}

int joblet_heap_push(struct joblet_heap *h, void *item, uint64_t key, struct joblet_error **err)
{
	if (h->n == h->capacity) {
		size_t cap = h->capacity ? h->capacity * 2 : HEAP_MIN_CAPACITY;
		struct heap_entry *grown = NULL;

		if (cap <= SIZE_MAX / sizeof(*grown))
			grown = realloc(h->entries, cap * sizeof(*grown));
		if (!grown)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot make room for %zu items in a heap", cap);
		h->entries = grown;
		h->capacity = cap;
	}
	h->n++;
	sift_up(h, h->n - 1, (struct heap_entry){ key, item });
	return 0;
}

void *joblet_heap_top(const struct joblet_heap *h)
{
	return h->n > 0 ? h->entries[0].item : NULL;
}

void *joblet_heap_pop(struct joblet_heap *h)
{
	void *top;

	if (h->n == 0)
		return NULL;
	top = h->entries[0].item;
	take_out(h, 0);
	return top;
}

int joblet_heap_contains(const struct joblet_heap *h, const void *item)
{
	uint64_t i = slot_get(h, item);

	return i < h->n && h->entries[i].item == item;
}

void joblet_heap_remove(struct joblet_heap *h, void *item)
{
	if (joblet_heap_contains(h, item))
		take_out(h, (size_t)slot_get(h, item));
}

void joblet_heap_update(struct joblet_heap *h, void *item, uint64_t key)
{
	if (joblet_heap_contains(h, item))
		settle(h, (size_t)slot_get(h, item), (struct heap_entry){ key, item });
}

size_t joblet_heap_count(const struct joblet_heap *h)
{
	return h->n;
}
