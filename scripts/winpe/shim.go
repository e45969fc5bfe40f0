package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
)

// Go programs since Go 1.22 take their randomness from ProcessPrng in
// bcryptprimitives.dll, which every Windows 10 and 11 has but Debian 12's
// Wine 8.0 does not, so under that Wine vmr-companion.exe stops before
// main ("bcryptprimitives.dll not found"). For the test only, PrngShim
// builds a DLL of that name with no code: one export, ProcessPrng,
// forwarded to advapi32's SystemFunction036 (RtlGenRandom), which takes the
// buffer and length in the same registers and returns non-zero on success
// in the low byte, the only part the Go runtime reads. Newer Wine ships the
// real DLL, and then the test does not install this one.

const (
	shimName      = "bcryptprimitives.dll"
	shimExport    = "ProcessPrng"
	shimForwardTo = "advapi32.SystemFunction036"

	fileAlign = 0x200
	sectAlign = 0x1000
	edataRVA  = sectAlign
)

// PrngShim returns the bytes of the stand-in DLL.
func PrngShim() []byte {
	edata := exportSection()

	var b bytes.Buffer
	// DOS header: "MZ" and, at 0x3c, where the PE header starts.
	dos := make([]byte, 0x40)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3c:], 0x40)
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	le := binary.LittleEndian
	must(binary.Write(&b, le, pe.FileHeader{
		Machine:              pe.IMAGE_FILE_MACHINE_AMD64,
		NumberOfSections:     1,
		SizeOfOptionalHeader: uint16(binary.Size(pe.OptionalHeader64{})),
		Characteristics:      pe.IMAGE_FILE_EXECUTABLE_IMAGE | pe.IMAGE_FILE_LARGE_ADDRESS_AWARE | pe.IMAGE_FILE_DLL,
	}))
	oh := pe.OptionalHeader64{
		Magic:                       0x20b,
		SizeOfInitializedData:       fileAlign,
		BaseOfCode:                  edataRVA,
		ImageBase:                   0x6_6600_0000,
		SectionAlignment:            sectAlign,
		FileAlignment:               fileAlign,
		MajorOperatingSystemVersion: 6,
		MajorSubsystemVersion:       6,
		SizeOfImage:                 edataRVA + sectAlign,
		SizeOfHeaders:               fileAlign,
		Subsystem:                   pe.IMAGE_SUBSYSTEM_WINDOWS_GUI,
		// No code, so nothing to relocate: it may load anywhere.
		DllCharacteristics:  pe.IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE | pe.IMAGE_DLLCHARACTERISTICS_NX_COMPAT,
		SizeOfStackReserve:  0x100000,
		SizeOfStackCommit:   0x1000,
		SizeOfHeapReserve:   0x100000,
		SizeOfHeapCommit:    0x1000,
		NumberOfRvaAndSizes: 16,
	}
	oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_EXPORT] = pe.DataDirectory{VirtualAddress: edataRVA, Size: uint32(len(edata))}
	must(binary.Write(&b, le, oh))
	sh := pe.SectionHeader32{
		VirtualSize:      uint32(len(edata)),
		VirtualAddress:   edataRVA,
		SizeOfRawData:    fileAlign,
		PointerToRawData: fileAlign,
		Characteristics:  pe.IMAGE_SCN_CNT_INITIALIZED_DATA | pe.IMAGE_SCN_MEM_READ,
	}
	copy(sh.Name[:], ".edata")
	must(binary.Write(&b, le, sh))
	b.Write(make([]byte, fileAlign-b.Len()))
	b.Write(edata)
	b.Write(make([]byte, 2*fileAlign-b.Len()))
	return b.Bytes()
}

// exportSection is the export directory, its three one-entry tables and
// the strings, laid out from edataRVA. The function's address points back
// into the directory, which is what makes it a forwarder.
func exportSection() []byte {
	const dirSize, tables = 40, 4 + 4 + 2
	nameRVA := uint32(edataRVA + dirSize + tables)
	exportRVA := nameRVA + uint32(len(shimName)+1)
	forwardRVA := exportRVA + uint32(len(shimExport)+1)

	le := binary.LittleEndian
	s := make([]byte, dirSize+tables)
	le.PutUint32(s[12:], nameRVA)            // Name
	le.PutUint32(s[16:], 1)                  // Base (first ordinal)
	le.PutUint32(s[20:], 1)                  // NumberOfFunctions
	le.PutUint32(s[24:], 1)                  // NumberOfNames
	le.PutUint32(s[28:], edataRVA+dirSize)   // AddressOfFunctions
	le.PutUint32(s[32:], edataRVA+dirSize+4) // AddressOfNames
	le.PutUint32(s[36:], edataRVA+dirSize+8) // AddressOfNameOrdinals
	le.PutUint32(s[dirSize:], forwardRVA)    // function 0: the forwarder
	le.PutUint32(s[dirSize+4:], exportRVA)   // name 0
	le.PutUint16(s[dirSize+8:], 0)           // name 0 is function 0
	for _, str := range []string{shimName, shimExport, shimForwardTo} {
		s = append(s, str...)
		s = append(s, 0)
	}
	return s
}

// must panics on a write to a bytes.Buffer, which cannot fail.
func must(err error) {
	if err != nil {
		panic(err)
	}
}
