/*
 * wsmauto extension (Windows' WSMAuto.dll has no such flag): enumerated items as text, laid out where the
 * reply is already parsed.
 *
 * Session.Enumerate with WSManAutoFlagEnumerationText added to its flags makes the Enumerator's ReadItem
 * return each item in winrm's "text" layout instead of XML: what `winrm enumerate ...` and `wsmanctl
 * enumerate` print by default, one element per line by local name, four spaces of indent per level,
 * "Name = value" for leaves, repeated leaves joined by ", ", xsi:nil shown as null, attributes (other than
 * xmlns, xsi:* and xml:*) as [Name="value"], a SelectorSet as one "Selector: a = 1, b = 2" line, control
 * characters other than tab and line feed as \xNN; every line ends with a line feed.
 *
 * The layout is written from the tree the library parsed the Enumerate and Pull replies into, so a program
 * that shows items as text does not parse each item's XML a second time (for a 1.3 KB instance that
 * second parse costs more than the library's whole work for the item). Everything else is as without the
 * flag: the same requests (the flag never reaches the wire), the same reply checks (RelatesTo, faults, size
 * caps, the safe parser), the same errors, AtEndOfStream and Error. It combines with every
 * WSManEnumFlags value (EPRs, objects and EPRs, hierarchy, association instances).
 *
 * Both builds accept it: libwsmauto on Linux and WSMAuto.dll (where a script passes &H40000000).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_ENUM_H
#define WSMAUTO_ENUM_H

enum { WSManAutoFlagEnumerationText = 0x40000000 };

#endif
