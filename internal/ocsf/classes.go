package ocsf

import "time"

// class is an OCSF event class and its category.
type class struct {
	uid          int64
	name         string
	categoryUID  int64
	categoryName string
}

// The classes Vigil writes (OCSF 1.3.0).
var (
	classBase            = class{0, "Base Event", 0, "Uncategorized"}
	classFileSystem      = class{1001, "File System Activity", 1, "System Activity"}
	classKernelExtension = class{1002, "Kernel Extension Activity", 1, "System Activity"}
	classMemory          = class{1004, "Memory Activity", 1, "System Activity"}
	classProcess         = class{1007, "Process Activity", 1, "System Activity"}
	classDetection       = class{2004, "Detection Finding", 2, "Findings"}
	classNetwork         = class{4001, "Network Activity", 4, "Network Activity"}
)

// Activities (activity_id) of the classes above.
const (
	activityOther = 99

	// Detection Finding.
	findingCreate = 1

	// File System Activity.
	fileCreate      = 1
	fileRead        = 2
	fileUpdate      = 3
	fileDelete      = 4
	fileRename      = 5
	fileSetSecurity = 7
	fileMount       = 12
	fileUnmount     = 13
	fileOpen        = 14

	// Kernel Extension Activity.
	kextLoad   = 1
	kextUnload = 2

	// Memory Activity.
	memAllocatePage = 1
	memModifyPage   = 2
	memMapView      = 9

	// Process Activity.
	procLaunch    = 1
	procTerminate = 2
	procOpen      = 3
	procInject    = 4
	procSetUserID = 5

	// Network Activity.
	netOpen    = 1
	netFail    = 4
	netRefuse  = 5
	netTraffic = 6
	netListen  = 7
)

var activityNames = map[int64]map[int]string{
	classFileSystem.uid: {fileCreate: "Create", fileRead: "Read", fileUpdate: "Update", fileDelete: "Delete",
		fileRename: "Rename", fileSetSecurity: "Set Security", fileMount: "Mount", fileUnmount: "Unmount", fileOpen: "Open"},
	classKernelExtension.uid: {kextLoad: "Load", kextUnload: "Unload"},
	classMemory.uid:          {memAllocatePage: "Allocate Page", memModifyPage: "Modify Page", memMapView: "Map View"},
	classProcess.uid: {procLaunch: "Launch", procTerminate: "Terminate", procOpen: "Open", procInject: "Inject",
		procSetUserID: "Set User ID"},
	classDetection.uid: {findingCreate: "Create"},
	classNetwork.uid: {netOpen: "Open", netFail: "Fail", netRefuse: "Refuse", netTraffic: "Traffic",
		netListen: "Listen"},
}

// activity is the classification of one record.
type activity struct {
	class class
	id    int
	// name is the activity_name: the caption of id, or the source's own
	// label for Other (99).
	name string
}

func act(c class, id int) activity {
	return activity{class: c, id: id, name: activityNames[c.uid][id]}
}

func other(c class, name string) activity {
	return activity{class: c, id: activityOther, name: name}
}

// header writes the classification, time and metadata every record
// starts with. The record's object must be open.
func (f Formatter) header(e *enc, a activity, t time.Time, sev Severity) {
	e.int("class_uid", a.class.uid)
	e.str("class_name", a.class.name)
	e.int("category_uid", a.class.categoryUID)
	e.str("category_name", a.class.categoryName)
	e.int("activity_id", int64(a.id))
	e.str("activity_name", a.name)
	e.int("type_uid", a.class.uid*100+int64(a.id))
	e.key("type_name")
	e.b = append(e.b, '"')
	e.b = appendStringBody(e.b, a.class.name)
	e.b = append(e.b, ": "...)
	e.b = appendStringBody(e.b, a.name)
	e.b = append(e.b, '"')
	e.int("severity_id", int64(sev))
	e.str("severity", sev.String())
	e.ms("time", t)
	e.int("timezone_offset", 0)
	f.metadata(e, a.class)
}

// metadata writes the metadata object.
func (f Formatter) metadata(e *enc, c class) {
	e.open("metadata")
	e.str("version", SchemaVersion)
	e.open("product")
	e.str("name", ProductName)
	vendor := f.VendorName
	if vendor == "" {
		vendor = DefaultVendorName
	}
	e.str("vendor_name", vendor)
	e.strOpt("version", f.ProductVersion)
	e.close()
	if c.uid != classBase.uid {
		e.openArray("profiles")
		e.elemStr("host")
		e.elemStr("container")
		e.elemStr("linux/linux_users")
		e.closeArray()
		e.openArray("extensions")
		e.open("")
		e.str("name", "linux")
		e.str("uid", "1")
		e.str("version", SchemaVersion)
		e.close()
		e.closeArray()
	}
	e.close()
}
