// Package accountset digests sets of accounts, by id, in constant memory:
// the accounts a change over many accounts writes (local_users,
// remote_instance), which a plan records and apply compares with the ones
// a plan made again would write.
//
// The ids fall into 256 buckets, and each bucket keeps a count and an
// order-free digest of its ids, so that two sets differ only where a bucket
// does: apply reads the rows of those buckets, and no others, to name the
// accounts that moved. The buckets follow PostgreSQL's md5() of the id's
// text (BucketSQL), so that a query reads one bucket's rows. Live reads the
// rows; plans holds the buckets and compares them.
package accountset
