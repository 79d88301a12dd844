/*
 * qrmask.h — choosing a QR symbol's data mask (ISO/IEC 18004 §7.8) faster than libqrencode.
 *
 * libqrencode spends ~90 % of an encoding on its mask selection: it builds each of the eight
 * masked symbols byte by byte and scores them. Here the symbol is encoded once with mask 0
 * (libqrencode's QRcode_encodeMask), unmasked, and each candidate is scored on rows and columns
 * held as bitsets; the scores are libqrencode's own reading of the standard's penalty rules
 * (N1 runs of five or more, N2 2x2 blocks, N3 the 1:1:3:1:1 finder-like runs, N4 the dark
 * proportion), so the mask chosen, and so the symbol, is the one libqrencode would make —
 * tests/unit/test_qr.c compares them module for module.
 */
#ifndef VB_QRMASK_H
#define VB_QRMASK_H

#include <qrencode.h>
#include <stdbool.h>

/* Encodes input (version 0: the smallest that fits) as QRcode_encodeInput would; NULL with
 * errno set on failure, as libqrencode fails. */
QRcode *vb_qr_encode_input(QRinput *input);

#endif
