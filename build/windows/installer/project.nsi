# VMR Companion's Windows installer (NSIS 3, Debian's `nsis` package).
#
# Built by `make package-windows`, which runs
# `wails build -platform windows/amd64 -nsis`: Wails compiles
# vmr-companion.exe, writes the WebView2 bootstrapper from its own module
# into tmp/, and runs makensis here with ARG_WAILS_AMD64_BINARY set. What
# Wails cannot pass (our version, where the installer goes, the signing hook)
# comes from the environment the Makefile sets; makensis stops with a message
# when one is missing. Wails also writes wails_tools.nsh beside this file on
# every build: this script does not include it (it would install for all
# users), so it is ignored by git.
#
# Per user: no elevation, %LOCALAPPDATA%\Programs\VMR Companion, a Start-menu
# shortcut and an "Apps & features" entry under HKCU. The uninstaller keeps
# the user's data (%APPDATA%\vmr-companion) unless asked, on its components
# page or with /REMOVEDATA.

Unicode true
# A 64-bit installer: the app is amd64 only, and Debian's nsis ships the
# amd64-unicode stubs and plug-ins.
Target amd64-unicode
SetCompressor /SOLID lzma
ManifestDPIAware true
RequestExecutionLevel user

!macro REQUIRE_ENV DEFINE VAR
	!define ${DEFINE} "$%${VAR}%"
	!if "${${DEFINE}}" == "${U+24}%${VAR}%"
		!error "${VAR} is not set: build the installer with make package-windows"
	!endif
!macroend
# The version as the program prints it (git describe), for people.
!insertmacro REQUIRE_ENV VMR_VERSION VMR_PACKAGE_VERSION
# The version as Windows wants it in version resources: numbers, a.b.c.
!insertmacro REQUIRE_ENV VMR_PRODUCT_VERSION VMR_PRODUCT_VERSION
# The installer's path, and the signing hook (scripts/windows-sign.sh,
# which does nothing unless VMR_SIGN_COMMAND is set).
!insertmacro REQUIRE_ENV VMR_OUTFILE VMR_INSTALLER_PATH
!insertmacro REQUIRE_ENV VMR_SIGN_HOOK VMR_SIGN_HOOK
!ifndef ARG_WAILS_AMD64_BINARY
	!error "ARG_WAILS_AMD64_BINARY is not set: build the installer with make package-windows"
!endif

!define PRODUCT_NAME "VMR Companion"
!define PRODUCT_PUBLISHER "VMR Companion"
!define PRODUCT_EXE "vmr-companion.exe"
# Where Apps & features finds us; HKCU because the install is per user.
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${PRODUCT_NAME}"
!define SETTINGS_KEY "Software\${PRODUCT_NAME}"
# What store.DefaultDataDir resolves to on Windows (os.UserConfigDir is
# %APPDATA%). A folder chosen with --data-dir or VMR_COMPANION_DATA_DIR is
# never touched: the uninstaller cannot know it holds only our files.
!define DATA_DIR "$APPDATA\vmr-companion"
# WebView2's profile of the window (go-webview2's default: %APPDATA%\<exe
# name>). A cache the window rebuilds; it holds none of the user's data.
!define WEBVIEW_DIR "$APPDATA\${PRODUCT_EXE}"
# The Evergreen WebView2 runtime's client id, under EdgeUpdate\Clients.
!define WEBVIEW2_CLIENT "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"

# Sign the app before it is packed, then the uninstaller and the installer
# once written (the hook's last argument is the file).
!system '"${VMR_SIGN_HOOK}" "${ARG_WAILS_AMD64_BINARY}"' = 0
!uninstfinalize '"${VMR_SIGN_HOOK}" "%1"' = 0
!finalize '"${VMR_SIGN_HOOK}" "%1"' = 0

Name "${PRODUCT_NAME}"
OutFile "${VMR_OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT_NAME}"
# An upgrade goes where the last install went.
InstallDirRegKey HKCU "${SETTINGS_KEY}" "InstallDir"
ShowInstDetails show
ShowUninstDetails show
BrandingText "${PRODUCT_NAME} ${VMR_VERSION}"

VIProductVersion "${VMR_PRODUCT_VERSION}.0"
VIFileVersion "${VMR_PRODUCT_VERSION}.0"
VIAddVersionKey "ProductName" "${PRODUCT_NAME}"
VIAddVersionKey "CompanyName" "${PRODUCT_PUBLISHER}"
VIAddVersionKey "FileDescription" "${PRODUCT_NAME} installer"
VIAddVersionKey "ProductVersion" "${VMR_VERSION}"
VIAddVersionKey "FileVersion" "${VMR_PRODUCT_VERSION}"
VIAddVersionKey "LegalCopyright" "© VMR Companion contributors"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "WinVer.nsh"
!include "FileFunc.nsh"

!define MUI_ICON "..\icon.ico"
!define MUI_UNICON "..\icon.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${PRODUCT_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Open ${PRODUCT_NAME}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!define MUI_COMPONENTSPAGE_TEXT_TOP "Your VMR Companion data (integrations, VMRs, settings in ${DATA_DIR}) is kept unless you tick $\"Also remove my data$\". Secrets in Windows Credential Manager (vmr-companion:...) always stay."
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Function .onInit
	${IfNot} ${AtLeastWin10}
		MessageBox MB_OK|MB_ICONSTOP "${PRODUCT_NAME} needs Windows 10 or later." /SD IDOK
		SetErrorLevel 64
		Quit
	${EndIf}
FunctionEnd

# The window needs the WebView2 runtime (part of Windows 11 and of current
# Windows 10). When neither a machine-wide nor a per-user runtime is
# registered, run Microsoft's bootstrapper, which Wails ships in its module
# (nothing is fetched while building; the bootstrapper itself downloads the
# runtime on the user's machine).
!macro INSTALL_WEBVIEW2
	SetRegView 64
	ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_CLIENT}" "pv"
	${If} $0 == ""
	${OrIf} $0 == "0.0.0.0"
		ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_CLIENT}" "pv"
	${EndIf}
	${If} $0 == ""
	${OrIf} $0 == "0.0.0.0"
		DetailPrint "Installing the Microsoft Edge WebView2 runtime"
		InitPluginsDir
		SetOutPath "$PLUGINSDIR"
		File "tmp\MicrosoftEdgeWebview2Setup.exe"
		ExecWait '"$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" /silent /install' $1
		${If} $1 != 0
			DetailPrint "The WebView2 runtime was not installed (exit code $1): the window will offer to install it when it first opens."
		${EndIf}
	${EndIf}
!macroend

Section "${PRODUCT_NAME}" secApp
	SectionIn RO
	SetShellVarContext current
	!insertmacro INSTALL_WEBVIEW2

	SetOutPath "$INSTDIR"
	File "/oname=${PRODUCT_EXE}" "${ARG_WAILS_AMD64_BINARY}"
	WriteUninstaller "$INSTDIR\uninstall.exe"
	CreateShortcut "$SMPROGRAMS\${PRODUCT_NAME}.lnk" "$INSTDIR\${PRODUCT_EXE}"

	WriteRegStr HKCU "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT_NAME}"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VMR_VERSION}"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PRODUCT_PUBLISHER}"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${PRODUCT_EXE}"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
	WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
	WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
	WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
	${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
	IntFmt $0 "0x%08X" $0
	WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0
SectionEnd

Section "un.${PRODUCT_NAME}" secUnApp
	SectionIn RO
	SetShellVarContext current
	# Only our own files, then the folder if nothing else is left in it: the
	# user may have chosen a folder that holds other things.
	Delete "$INSTDIR\${PRODUCT_EXE}"
	Delete "$INSTDIR\uninstall.exe"
	RMDir "$INSTDIR"
	Delete "$SMPROGRAMS\${PRODUCT_NAME}.lnk"
	RMDir /r "${WEBVIEW_DIR}"
	DeleteRegKey HKCU "${UNINSTALL_KEY}"
	DeleteRegKey HKCU "${SETTINGS_KEY}"
SectionEnd

# Unticked unless /REMOVEDATA is on the command line (see un.onInit).
# The label is short because the components list is narrow; the page's
# text above it names VMR Companion's data in full.
Section /o "un.Also remove my data" secUnData
	SetShellVarContext current
	DetailPrint "Removing ${DATA_DIR}"
	RMDir /r "${DATA_DIR}"
SectionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
	!insertmacro MUI_DESCRIPTION_TEXT ${secUnData} "Deletes ${DATA_DIR}: the database with your integrations, VMRs and settings, and the local certificate authority's files. Secrets in Windows Credential Manager stay."
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END

Function un.onInit
	${GetParameters} $R0
	ClearErrors
	${GetOptions} $R0 "/REMOVEDATA" $R1
	${IfNot} ${Errors}
		SectionSetFlags ${secUnData} ${SF_SELECTED}
	${EndIf}
FunctionEnd
