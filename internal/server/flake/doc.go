// Package flake owns FlakeIds, the 128-bit identifiers Pleroma and Akkoma give
// users and other rows: their binary layout, their text forms (the uuid form
// PostgreSQL prints and the Base62 form the servers use in APIs and job
// arguments), and a Generator that makes new ones.
//
// A FlakeId is 128 bits, big-endian: a 64-bit Unix time in milliseconds, a
// 48-bit worker id and a 16-bit sequence number. The servers store it as the
// 16 raw bytes of a uuid column.
package flake
