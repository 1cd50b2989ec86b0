/*
 * test_base64.c - Base64 as uploads and the log stream use it: the RFC 4648
 * test vectors, every byte value, and refused input.
 */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include <joblet/error.h>

#include "common/base64.h"
#include "jl_test.h"

START_TEST(test_base64)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "",	 "Zg==",     "Zm8=",	"Zm9v",
					     "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	uint8_t all[256], back[256];
	char text[400];

	for (size_t i = 0; i < 7; i++) {
		char out[16], dec[16];

		ck_assert_uint_eq(jl_base64_encode(plain[i], strlen(plain[i]), out),
				  strlen(coded[i]));
		ck_assert_str_eq(out, coded[i]);
		ck_assert_int_eq(jl_base64_decode(coded[i], strlen(coded[i]), dec),
				 (int64_t)strlen(plain[i]));
		ck_assert(memcmp(dec, plain[i], strlen(plain[i])) == 0);
	}
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	jl_base64_encode(all, sizeof(all), text);
	ck_assert_int_eq(jl_base64_decode(text, strlen(text), back), 256);
	ck_assert(memcmp(all, back, 256) == 0);
	for (const char *const *b = (const char *const[]){ "Zg=", "Z===", "Zm9v!",
							   "Zg==Zg==", "=Zg=", "Zm 9", NULL };
	     *b; b++)
		ck_assert_msg(jl_base64_decode(*b, strlen(*b), back) < 0, "%s", *b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("base64");
	TCase *tc_base64 = tcase_create("base64");

	tcase_add_test(tc_base64, test_base64);
	suite_add_tcase(s, tc_base64);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
