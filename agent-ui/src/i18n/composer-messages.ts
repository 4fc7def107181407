/**
 * Phrases of the composer's attachments (spread into messages.ts; `zh` is typed from `en`, so a missing
 * translation fails the build). `{name}`, `{max}` and `{reason}` are filled in by the composer.
 */
export const composerEn = {
  attachFiles: 'Attach files',
  attachmentsToSend: 'Files to send',
  attachmentUploading: 'Uploading',
  attachmentReady: 'Ready to send',
  attachmentRemove: 'Remove {name}',
  attachmentTooLarge: '“{name}” is too large to attach (over the hub’s size limit for files).',
  attachmentTypeRefused:
    '“{name}” cannot be attached: this type of file is not accepted (web pages, SVG images and programs are refused).',
  attachmentEmpty: '“{name}” is empty.',
  attachmentFailed: '“{name}” was not uploaded: {reason}',
  attachmentTooMany: 'At most {max} files per message.',
  attachmentsWaiting: 'Send waits until the files have uploaded.',
  attachmentsNeedText: 'Write a message to go with the files.',
  attachmentDrop: 'Drop files to attach them',
} as const;

export const composerZh: Record<keyof typeof composerEn, string> = {
  attachFiles: '添加附件',
  attachmentsToSend: '待发送的附件',
  attachmentUploading: '上传中',
  attachmentReady: '可发送',
  attachmentRemove: '移除 {name}',
  attachmentTooLarge: '“{name}”太大，无法添加（超过系统允许的文件大小）。',
  attachmentTypeRefused: '“{name}”无法添加：不接受此类文件（网页、SVG 图片和可执行程序会被拒收）。',
  attachmentEmpty: '“{name}”是空文件。',
  attachmentFailed: '“{name}”上传失败：{reason}',
  attachmentTooMany: '每条消息最多 {max} 个附件。',
  attachmentsWaiting: '附件上传完成后才能发送。',
  attachmentsNeedText: '请填写随附件发送的文字。',
  attachmentDrop: '松开即可添加附件',
};
